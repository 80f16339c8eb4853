# bash completion for berth(1)
#
# Installed by `make install` as .../bash-completion/completions/berth; to try
# it without installing: source completion/berth.bash

_berth_commands="help image images kube login logout pull rmi system version"
_berth_kube_commands="validate help"
_berth_global_opts="--root --runroot --log-level --help --version -h -v"
_berth_log_levels="error warn info debug"
_berth_formats="text json"

# Complete the options, or the values of the options, in $1 (a word list).
_berth_opts() {
        local IFS=$' \t\n'
        # shellcheck disable=SC2207 # compgen prints one word per line
        COMPREPLY=($(compgen -W "$1" -- "$cur"))
}

# Directories, and the files kube validate reads: *.yaml, *.yml, *.json.
_berth_manifests() {
        if declare -F _filedir >/dev/null; then
                _filedir '@(yaml|yml|json)'
                return
        fi
        local IFS=$'\n' f
        COMPREPLY=()
        for f in $(compgen -f -- "$cur"); do
                # hidden entries only when asked for, as _filedir does
                [[ ${f##*/} != .* || ${cur##*/} == .* ]] || continue
                if [[ -d $f || $f == *.yaml || $f == *.yml || $f == *.json ]]; then
                        COMPREPLY+=("$f")
                fi
        done
        # readline then marks directories with "/" and adds no space after them
        compopt -o filenames 2>/dev/null
}

_berth_dirs() {
        if declare -F _filedir >/dev/null; then
                _filedir -d
                return
        fi
        local IFS=$'\n'
        # shellcheck disable=SC2207
        COMPREPLY=($(compgen -d -- "$cur"))
        compopt -o filenames 2>/dev/null
}

_berth() {
        # split is set by _init_completion -s
        # shellcheck disable=SC2034
        local cur prev words cword split=false
        if declare -F _init_completion >/dev/null; then
                # -s: "--format=js" completes like "--format js"
                _init_completion -s || return
        else
                cur=${COMP_WORDS[COMP_CWORD]}
                prev=${COMP_WORDS[COMP_CWORD - 1]}
                words=("${COMP_WORDS[@]}")
                cword=$COMP_CWORD
                # Without bash-completion, "--opt=val" arrives as three words.
                if [[ $cur == = ]]; then
                        cur=
                elif [[ $prev == = ]]; then
                        prev=${COMP_WORDS[COMP_CWORD - 2]}
                fi
        fi

        # Find the command, and the kube subcommand, past the global options.
        local i cmd="" cmd_at=0 sub=""
        for ((i = 1; i < cword; i++)); do
                case ${words[i]} in
                --root | --runroot | --log-level)
                        [[ -z $cmd ]] || continue
                        if [[ ${words[i + 1]} == = ]]; then
                                ((i += 2))
                        else
                                ((i++))
                        fi
                        ;;
                = | -*) ;;
                *)
                        if [[ -z $cmd ]]; then
                                cmd=${words[i]}
                                cmd_at=$i
                        elif [[ $cmd == kube && -z $sub ]]; then
                                sub=${words[i]}
                        fi
                        ;;
                esac
        done

        if [[ -z $cmd ]]; then
                case $prev in
                --root | --runroot)
                        _berth_dirs
                        return
                        ;;
                --log-level)
                        _berth_opts "$_berth_log_levels"
                        return
                        ;;
                esac
                if [[ $cur == -* ]]; then
                        _berth_opts "$_berth_global_opts"
                else
                        _berth_opts "$_berth_commands"
                fi
                return
        fi

        case $cmd in
        help)
                # berth help COMMAND [SUBCOMMAND]
                if ((cword == cmd_at + 1)); then
                        _berth_opts "image images kube login logout pull rmi system version"
                elif ((cword == cmd_at + 2)) && [[ ${words[cmd_at + 1]} == kube ]]; then
                        _berth_opts "validate"
                fi
                ;;
        pull)
                case $prev in
                --platform)
                        _berth_opts "linux/amd64 linux/arm64 linux/arm/v7"
                        return
                        ;;
                --authfile)
                        COMPREPLY=($(compgen -f -- "$cur"))
                        return
                        ;;
                --creds | --max-parallel)
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--platform --tls-verify=false --creds --authfile --max-parallel --quiet --help -q -h"
                ;;
        images)
                case $prev in
                -f | --format)
                        _berth_opts "table json"
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--format --quiet --no-trunc --noheading --help -f -q -h"
                ;;
        rmi)
                [[ $cur != -* ]] || _berth_opts "--force --help -f -h"
                ;;
        image)
                if ((cword == cmd_at + 1)); then
                        _berth_opts "inspect ls list pull rm"
                fi
                ;;
        system)
                if ((cword == cmd_at + 1)); then
                        _berth_opts "df"
                fi
                ;;
        login)
                [[ $cur != -* ]] || _berth_opts "--username --password --password-stdin --authfile --tls-verify=false --help -u -p -h"
                ;;
        logout)
                [[ $cur != -* ]] || _berth_opts "--all --authfile --help -a -h"
                ;;
        version)
                case $prev in
                -f | --format)
                        _berth_opts "$_berth_formats"
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--format --help -f -h"
                ;;
        kube)
                case $sub in
                "")
                        if [[ $cur == -* ]]; then
                                _berth_opts "--help -h"
                        else
                                _berth_opts "$_berth_kube_commands"
                        fi
                        ;;
                help)
                        _berth_opts "validate"
                        ;;
                validate)
                        case $prev in
                        --format)
                                _berth_opts "$_berth_formats"
                                return
                                ;;
                        esac
                        if [[ $cur == -* ]]; then
                                _berth_opts "--strict --format --quiet --help -q -h"
                        else
                                _berth_manifests
                        fi
                        ;;
                esac
                ;;
        esac
}

complete -F _berth berth
