"""The bash and fish completion scripts: Click's, with two of their bugs fixed.

- bash splits a word at `:` (COMP_WORDBREAKS), so Click's script hands `fileb`, `:` and `//pa`
  to kmscli as three words. This one sends the line itself (COMP_LINE up to the cursor), which
  kmscli splits as a shell does, and trims the part before the last colon from each answer,
  as bash expects. An answer ending in `/` (a directory) gets no space after it.
- fish's script split each answer at every comma (`string split ","`), cutting descriptions
  (and values) at their first comma; this one splits once.

Imported only to write the scripts (kmscli._artifacts) and when a completion runs.
"""

from __future__ import annotations

import os

from click.shell_completion import BashComplete, FishComplete, split_arg_string

BASH_SOURCE = """\
%(complete_func)s() {
    local IFS=$'\\n'
    local response
    local line="${COMP_LINE:0:COMP_POINT}"

    response=$(env COMP_LINE="$line" COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD \\
%(complete_var)s=bash_complete $1)

    for completion in $response; do
        IFS=',' read type value <<< "$completion"

        if [[ $type == 'dir' ]]; then
            COMPREPLY=()
            compopt -o dirnames
        elif [[ $type == 'file' ]]; then
            COMPREPLY=()
            compopt -o default
        elif [[ $type == 'plain' ]]; then
            COMPREPLY+=("$value")
        fi
    done

    # bash replaces only the text after the last colon of the word (fileb://pa -> //pa).
    local word="${line##*[[:space:]]}"
    if [[ $word == *:* && $COMP_WORDBREAKS == *:* ]]; then
        local colon_prefix="${word%%"${word##*:}"}"
        local i
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]="${COMPREPLY[i]#"$colon_prefix"}"
        done
    fi
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]]; then
        compopt -o nospace 2>/dev/null
    fi

    return 0
}

%(complete_func)s_setup() {
    complete -o nosort -F %(complete_func)s %(prog_name)s
}

%(complete_func)s_setup;
"""

FISH_SOURCE = """\
function %(complete_func)s;
    set -l response (env %(complete_var)s=fish_complete COMP_WORDS=(commandline -cp) \
COMP_CWORD=(commandline -t) %(prog_name)s);

    for completion in $response;
        set -l metadata (string split --max 1 "," $completion);

        if test $metadata[1] = "dir";
            __fish_complete_directories $metadata[2];
        else if test $metadata[1] = "file";
            __fish_complete_path $metadata[2];
        else if test $metadata[1] = "plain";
            echo $metadata[2];
        end;
    end;
end;

complete --no-files --command %(prog_name)s --arguments "(%(complete_func)s)";
"""


class KmsBashComplete(BashComplete):
    source_template = BASH_SOURCE

    def get_completion_args(self) -> tuple[list[str], str]:
        line = os.environ.get("COMP_LINE")
        if line is None:
            return super().get_completion_args()
        words = split_arg_string(line)
        # A line ending in a space starts a new, empty word.
        incomplete = "" if not words or line[-1:].isspace() else words.pop()
        return words[1:], incomplete


class KmsFishComplete(FishComplete):
    source_template = FISH_SOURCE


CLASSES = {"bash": KmsBashComplete, "fish": KmsFishComplete}


def register() -> None:
    from click.shell_completion import add_completion_class

    for shell, cls in CLASSES.items():
        add_completion_class(cls, shell)
