#!/usr/bin/env bash
# Records what real programs write to an 80x24 terminal, for CaptureReplayTest.
# Each program runs in a pane of a private tmux server; `pipe-pane -o` copies the pane's output to a file
# from before the program starts until the moment the program is on screen in the state we want, and the
# program is stopped afterwards (so a capture ends in the middle of vim, less, top ...).
# Usage: record.sh [name...]   (default: all). Needs tmux, vim, less, procps (top), htop, man-db, git,
# dialog, mc.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sock="cmdop-record-$$"
work="$(mktemp -d)"
export HOME="$work/home" LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC
mkdir -p "$HOME"
t() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
  local socket
  socket="$(t display-message -p '#{socket_path}' 2>/dev/null || true)"
  t kill-server 2>/dev/null || true
  [ -n "$socket" ] && rm -f "$socket"   # tmux leaves its socket file behind
  rm -rf "$work"
}
trap cleanup EXIT

# Waits until the pane shows the given text (a fixed-string grep of capture-pane), for at most 20 s.
wait_for() {
  for _ in $(seq 1 400); do
    if t capture-pane -p -t rec | grep -qF -- "$1"; then return 0; fi
    sleep 0.05
  done
  echo "timed out waiting for: $1" >&2; t capture-pane -p -t rec >&2; return 1
}

# record NAME COMMAND: starts COMMAND in a fresh 80x24 pane once the pipe is in place.
record() {
  local name="$1" command="$2"
  rm -f "$here/$name.bin"
  t new-session -d -s rec -x 80 -y 24 -e TERM=xterm-256color "tmux -L $sock wait-for go-$name; $command"
  t pipe-pane -o -t rec "cat >> '$here/$name.bin'"
  t wait-for -S "go-$name"
}

# stop: ends the capture, then the program.
stop() {
  t pipe-pane -t rec
  t kill-session -t rec
}

t start-server \; set -g default-terminal xterm-256color \; set -g exit-empty off

cat > "$work/hello.c" <<'EOF'
#include <stdio.h>

/* Prints a greeting in two languages. */
int main(void) {
    const char *greeting = "Hello";   /* English */
    const char *nihao = "你好";        /* Chinese */
    for (int i = 0; i < 3; i++) {
        printf("%s, %s! %d\n", greeting, nihao, i);
    }
    return 0;
}
EOF

names=" $* "
want() { [ "$names" = "  " ] || [[ "$names" == *" $1 "* ]]; }

if want vim; then
  record vim "vim -u DEFAULTS -i NONE -N '$work/hello.c'"
  wait_for "hello.c"
  t send-keys -t rec ':set number' Enter '3G' 'o' '    /* ünïcödé 日本語 */' Escape '/printf' Enter
  wait_for "ünïcödé"
  wait_for "search hit" || true
  stop
fi

if want vim-scroll; then
  # Scrolling by lines and a split window: scroll regions, insert/delete line, reverse index.
  record vim-scroll "vim -u DEFAULTS -i NONE -N -R '/usr/share/common-licenses/GPL-3'"
  wait_for "GNU GENERAL PUBLIC LICENSE"
  t send-keys -t rec ':set number' Enter C-d C-e C-e C-e C-y C-y
  wait_for "    "
  t send-keys -t rec ':split' Enter C-w j C-e C-e C-w k '/Preamble' Enter
  wait_for "Preamble"
  wait_for "GPL-3 [RO]"
  stop
fi

if want less-scroll; then
  record less-scroll "less '/usr/share/common-licenses/GPL-3'"
  wait_for "GNU GENERAL PUBLIC LICENSE"
  # Five lines down and two back up (less draws those with reverse index): line 26 is then the last one.
  t send-keys -t rec j j j j j k k
  wait_for "want it, that you can change the software"
  stop
fi

if want less; then
  record less "less '/usr/share/common-licenses/GPL-3'"
  wait_for "GNU GENERAL PUBLIC LICENSE"
  t send-keys -t rec Space '/freedom' Enter
  wait_for "freedom"
  stop
fi

if want man; then
  record man "MANWIDTH=80 man ls"
  wait_for "NAME"
  t send-keys -t rec 'd'
  wait_for "--author"
  stop
fi

if want top; then
  record top "top -d 1"
  wait_for "PID"
  wait_for "Mem"
  stop
fi

if want htop; then
  record htop "htop -d 10"
  wait_for "PID"
  wait_for "Load average"
  stop
fi

if want git-log; then
  repo="$work/repo"
  git init -q -b main "$repo"
  for i in $(seq 1 30); do
    echo "$i" > "$repo/file.txt"
    git -C "$repo" add file.txt
    GIT_AUTHOR_DATE="2024-01-$(printf %02d $((i % 28 + 1)))T12:00:00Z" GIT_COMMITTER_DATE="2024-01-01T12:00:00Z" \
      git -C "$repo" -c user.name=Tester -c user.email=t@example.com commit -q -m "Change number $i"
  done
  git -C "$repo" tag v1.0 HEAD~5
  record git-log "cd '$repo' && git -c color.ui=always log --graph --decorate --stat"
  wait_for "Change number 30"
  t send-keys -t rec 'j' 'j'
  wait_for "Change number 29"
  stop
fi

if want prompt; then
  cat > "$work/bashrc" <<'EOF'
PS1='\[\e[1;32m\]tester@box\[\e[0m\]:\[\e[1;34m\]\W\[\e[0m\]\$ '
alias ls='ls --color=always'
EOF
  mkdir -p "$work/dir/sub" && touch "$work/dir/file.txt" && chmod +x "$work/dir/file.txt"
  record prompt "cd '$work/dir' && exec bash --noprofile --rcfile '$work/bashrc' -i"
  wait_for "tester@box"
  t send-keys -t rec 'ls -la --time-style=+' Enter
  wait_for "file.txt"
  t send-keys -t rec 'echo -e "\e[3mitalic\e[0m \e[4munder\e[0m \e[7mrev\e[0m \e[38;2;255;100;0mtrue\e[0m"' Enter
  wait_for "italic"
  t send-keys -t rec 'partial input'
  wait_for "partial input"
  stop
fi

if want cjk; then
  cat > "$work/cjk.txt" <<'EOF'
中文字符测试：你好，世界！
日本語のテキスト：こんにちは
한국어 텍스트: 안녕하세요
Combining: e\u0301 a\u0308 n\u0303 o\u0328\u0301
Emoji: 😀 👍 🎉 ❤️ ✔
Mixed: abc中文def日本語ghi한국어jkl
Full width: ＡＢＣ１２３
EOF
  record cjk "printf \"\$(cat '$work/cjk.txt')\\n\"; for i in 1 2 3 4 5 6 7 8 9 10; do printf '第%d行 line %d 行末\\n' \$i \$i; done; printf '%s' 'this line is long enough to wrap across the right edge with 漢字 at the end 漢字漢字漢字漢字'; exec sleep 100"
  wait_for "漢字"
  stop
fi
if want dialog; then
  # Outside a UTF-8 locale ncurses draws the box with the DEC special graphics set (ESC ( 0).
  record dialog "LC_ALL=C dialog --title 'Install' --checklist 'Pick the parts to install:' 15 50 5 \
    core 'The core' on docs 'Documentation' off extras 'Extra tools' on"
  wait_for "Documentation"
  t send-keys -t rec Down
  stop
fi

if want mc; then
  mkdir -p "$work/mcdir/a" "$work/mcdir/b" && touch "$work/mcdir/readme.txt"
  record mc "cd '$work/mcdir' && mc -u '$work/mcdir' '$work/mcdir/a'"
  wait_for "readme.txt"
  stop
fi
echo "recorded into $here"
