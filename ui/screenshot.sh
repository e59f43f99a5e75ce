#!/bin/sh
# screenshot.sh: look at the real console the way an operator does.
#
# Builds gradewatch, starts it under a virtual X server (Xvfb) on a fresh
# demo workspace in a temporary folder, waits for the simulated line to be
# graded (a backlog of GW_BACKLOG scans, default 400, plus the simulated
# line), starts the shift as "Ada Lovelace", opens the newest scan in the
# detail view and saves a PNG of the screen, then ones of the review queue
# (<out>-review.png), the dashboard (<out>-dashboard.png) and the settings
# (<out>-settings.png). Needs Xvfb, xdotool and ImageMagick's
# import.
#
# usage: ui/screenshot.sh [out.png]          (run from the repository root)
#        GW_WAIT=30 GW_DISPLAY=98 ui/screenshot.sh ui/screenshots/console.png
set -eu

out=${1:-ui/screenshots/console.png}
display=:${GW_DISPLAY:-99}
wait=${GW_WAIT:-15}
for tool in Xvfb xdotool import; do
	command -v "$tool" >/dev/null || { echo "screenshot.sh: $tool is not installed" >&2; exit 1; }
done

tmp=$(mktemp -d)
app=
xvfb=
cleanup() {
	[ -n "$app" ] && kill "$app" 2>/dev/null && wait "$app" 2>/dev/null
	[ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

go build -o "$tmp/gradewatch" .
Xvfb "$display" -screen 0 1400x900x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb=$!
sleep 1
export DISPLAY="$display"
# A private config folder: a new demo workspace with a backlog of scans
# (so the review queue has something in it), no saved preferences.
ws="$tmp/config/Gradewatch"
XDG_CONFIG_HOME="$tmp/config" HOME="$tmp" "$tmp/gradewatch" init --demo --dir "$ws" >"$tmp/init.log" 2>&1
XDG_CONFIG_HOME="$tmp/config" HOME="$tmp" "$tmp/gradewatch" simulate --config "$ws/config.json" --count "${GW_BACKLOG:-400}" --rate 0 >>"$tmp/init.log" 2>&1
XDG_CONFIG_HOME="$tmp/config" HOME="$tmp" "$tmp/gradewatch" >"$tmp/app.log" 2>&1 &
app=$!
sleep "$wait"
kill -0 "$app" 2>/dev/null || { echo "screenshot.sh: the console exited:" >&2; cat "$tmp/app.log" >&2; exit 1; }

# Start the shift (the dialog has the keyboard), then open the newest scan
# and point at it so the value under the pointer shows.
xdotool type --delay 40 "Ada Lovelace"
xdotool key Return
sleep 1
xdotool mousemove 60 180 click 1
sleep 2
xdotool mousemove 860 330
sleep 1
mkdir -p "$(dirname "$out")"
import -window root "$out"
echo "screenshot.sh: saved $out"

# The review queue, keyboard first: the tab takes the keyboard, Down moves.
review="${out%.png}-review.png"
xdotool mousemove 95 21 click 1
sleep 2
import -window root "$review"
echo "screenshot.sh: saved $review"

# The dashboard and the settings, switched to with Alt+3 and Alt+5.
for screen in 3:dashboard 5:settings; do
	xdotool key "alt+${screen%%:*}"
	sleep 2
	shot="${out%.png}-${screen#*:}.png"
	import -window root "$shot"
	echo "screenshot.sh: saved $shot"
done
