# bash completion for berth(1)
#
# Installed by `make install` as .../bash-completion/completions/berth; to try
# it without installing: source completion/berth.bash

_berth_commands="attach create exec help image images inspect kill kube load login logout logs pod ps pull rm rmi run save start stop system version volume wait"
_berth_kube_commands="down help play validate"
_berth_global_opts="--root --runroot --log-level --shared-store --shared-base-layers --shared-base-layers=required --help --version -h -v"
_berth_log_levels="error warn info debug"
_berth_formats="text json"

# berth run and create: their options, and those of them that take a value
# (-h is --hostname there, not --help)
_berth_create_opts="--name --rm --env --entrypoint --workdir --user --hostname --tty --volume
--label --network --net --privileged --read-only --cap-add --cap-drop --device --security-opt
--memory --cpus --cpuset-cpus --pids-limit --runtime --stop-signal --stop-timeout --log-opt --pull --help
--interactive --detach-keys -e -w -u -h -t -i -v -l -m"
_berth_create_args="--name --env --entrypoint --workdir --user --hostname --volume --label
--network --net --cap-add --cap-drop --device --security-opt --memory --cpus --cpuset-cpus
--pids-limit --runtime --stop-signal --stop-timeout --log-opt --pull --detach-keys -e -w -u -h -v -l -m"
_berth_exec_args="--user --workdir --env -u -w -e"
_berth_signals="SIGTERM SIGKILL SIGINT SIGHUP SIGQUIT SIGUSR1 SIGUSR2 SIGSTOP SIGCONT SIGWINCH"
_berth_caps="ALL CAP_AUDIT_CONTROL CAP_AUDIT_READ CAP_AUDIT_WRITE CAP_BLOCK_SUSPEND CAP_BPF
CAP_CHECKPOINT_RESTORE CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID
CAP_IPC_LOCK CAP_IPC_OWNER CAP_KILL CAP_LEASE CAP_LINUX_IMMUTABLE CAP_MAC_ADMIN CAP_MAC_OVERRIDE
CAP_MKNOD CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_RAW CAP_PERFMON CAP_SETFCAP
CAP_SETGID CAP_SETPCAP CAP_SETUID CAP_SYSLOG CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_CHROOT
CAP_SYS_MODULE CAP_SYS_NICE CAP_SYS_PACCT CAP_SYS_PTRACE CAP_SYS_RAWIO CAP_SYS_RESOURCE
CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_WAKE_ALARM"

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

_berth_files() {
        local IFS=$'\n'
        # shellcheck disable=SC2207
        COMPREPLY=($(compgen -f -- "$cur"))
        compopt -o filenames 2>/dev/null
}

# Set operand to the index of the first word after the command (at $1) that
# is not an option or an option's value (run's image, exec's container), or
# to 0 when there is none before the word being completed. $2: the options
# that take a value.
_berth_operand() {
        local i w
        operand=0
        for ((i = $1 + 1; i < cword; i++)); do
                w=${words[i]}
                case $w in
                --)
                        ((i + 1 < cword)) && operand=$((i + 1))
                        return
                        ;;
                = | --*=*) ;;
                -?*)
                        [[ " ${2//$'\n'/ } " == *" $w "* ]] || continue
                        # "--opt=val" arrives as three words without bash-completion
                        if [[ ${words[i + 1]} == = ]]; then
                                ((i += 2))
                        else
                                ((i++))
                        fi
                        ;;
                *)
                        operand=$i
                        return
                        ;;
                esac
        done
}

# The names of the pods in the store the command line names (--root, --runroot).
_berth_pods() {
        local i args=()
        for ((i = 1; i < cword; i++)); do
                case ${words[i]} in
                --root | --runroot) args+=("${words[i]}" "${words[i + 1]}") ;;
                --root=* | --runroot=*) args+=("${words[i]}") ;;
                esac
        done
        local IFS=$'\n'
        # shellcheck disable=SC2207 # one name per line
        COMPREPLY=($(compgen -W "$("${words[0]}" "${args[@]}" pod ps --format '{{.Name}}' 2>/dev/null)" -- "$cur"))
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
        local cur prev words cword split=false operand=0
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
                --root | --runroot | --log-level | --shared-store)
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
                        elif [[ ($cmd == kube || $cmd == pod) && -z $sub ]]; then
                                sub=${words[i]}
                        fi
                        ;;
                esac
        done

        if [[ -z $cmd ]]; then
                case $prev in
                --root | --runroot | --shared-store)
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
                        _berth_opts "attach create exec image images inspect kill kube load login logout logs pod ps pull rm rmi run save start stop system version volume wait"
                elif ((cword == cmd_at + 2)) && [[ ${words[cmd_at + 1]} == pod ]]; then
                        _berth_opts "create exists inspect logs ps restart rm start stop"
                elif ((cword == cmd_at + 2)) && [[ ${words[cmd_at + 1]} == kube ]]; then
                        _berth_opts "validate"
                fi
                ;;
        run | create)
                # after the image, the words are the container's command
                _berth_operand "$cmd_at" "$_berth_create_args"
                ((operand == 0)) || return
                case $prev in
                --network | --net)
                        _berth_opts "private none host"
                        return
                        ;;
                --pull)
                        _berth_opts "missing always never"
                        return
                        ;;
                --runtime)
                        _berth_opts "runc crun"
                        return
                        ;;
                --security-opt)
                        _berth_opts "seccomp=unconfined no-new-privileges"
                        return
                        ;;
                --log-opt)
                        _berth_opts "max-size="
                        compopt -o nospace 2>/dev/null
                        return
                        ;;
                --stop-signal)
                        _berth_opts "$_berth_signals"
                        return
                        ;;
                --cap-add | --cap-drop)
                        _berth_opts "$_berth_caps"
                        return
                        ;;
                -v | --volume)
                        _berth_dirs
                        return
                        ;;
                --device)
                        mapfile -t COMPREPLY < <(compgen -f -- "${cur:-/dev/}")
                        return
                        ;;
                --name | -e | --env | --entrypoint | -w | --workdir | -u | --user | -h | --hostname | \
                        -l | --label | -m | --memory | --cpus | --cpuset-cpus | --pids-limit | --stop-timeout | \
                        --detach-keys)
                        return
                        ;;
                esac
                if [[ $cur == -* ]]; then
                        if [[ $cmd == run ]]; then
                                _berth_opts "$_berth_create_opts --detach -d"
                        else
                                _berth_opts "$_berth_create_opts"
                        fi
                fi
                ;;
        start)
                [[ $cur != -* ]] || _berth_opts "--all --help -a -h"
                ;;
        stop)
                case $prev in
                -t | --time | --timeout)
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--time --timeout --all --help -t -a -h"
                ;;
        kill)
                case $prev in
                -s | --signal)
                        _berth_opts "$_berth_signals"
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--signal --all --help -s -a -h"
                ;;
        rm)
                case $prev in
                -t | --time | --timeout)
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--force --time --timeout --all --help -f -t -a -h"
                ;;
        ps)
                case $prev in
                -f | --format)
                        _berth_opts "table json"
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--all --latest --quiet --format --no-trunc --noheading --help -a -l -q -f -h"
                ;;
        attach)
                case $prev in
                --detach-keys)
                        return
                        ;;
                --sig-proxy)
                        _berth_opts "true false"
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--detach-keys --no-stdin --sig-proxy --help -h"
                ;;
        logs)
                case $prev in
                --since | --until | -n | --tail)
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--follow --timestamps --since --until --tail --help -f -t -n -h"
                ;;
        exec)
                # after the container, the words are the command
                _berth_operand "$cmd_at" "$_berth_exec_args"
                ((operand == 0)) || return
                case $prev in
                -u | --user | -w | --workdir | -e | --env)
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--interactive --tty --user --workdir --env --privileged --detach --help -i -t -u -w -e -d -h"
                ;;
        inspect)
                case $prev in
                -f | --format)
                        _berth_opts "json"
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--format --help -f -h"
                ;;
        wait)
                [[ $cur != -* ]] || _berth_opts "--help -h"
                ;;
        pull)
                case $prev in
                --platform)
                        _berth_opts "linux/amd64 linux/arm64 linux/arm/v7"
                        return
                        ;;
                --authfile)
                        _berth_files
                        return
                        ;;
                --creds | --max-parallel)
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--platform --tls-verify=false --creds --authfile --max-parallel --shared --quiet --help -q -h"
                ;;
        save)
                case $prev in
                --format)
                        _berth_opts "docker-archive oci-archive"
                        return
                        ;;
                -o | --output)
                        _berth_files
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--format --multi-image-archive --output --quiet --help -m -o -q -h"
                ;;
        load)
                case $prev in
                -i | --input)
                        _berth_files
                        return
                        ;;
                esac
                [[ $cur != -* ]] || _berth_opts "--input --quiet --help -i -q -h"
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
                        _berth_opts "df info prune"
                elif [[ ${words[cmd_at + 1]} = info ]]; then
                        case $prev in
                        -f | --format)
                                _berth_opts "$_berth_formats"
                                return
                                ;;
                        esac
                        [[ $cur != -* ]] || _berth_opts "--format --help -f -h"
                elif [[ ${words[cmd_at + 1]} = prune ]]; then
                        if [[ $prev = --forget-node ]]; then
                                # the node IDs of the shared store's references (refs/NODE/)
                                local store=${BERTH_SHARED_STORE:-} i
                                for ((i = 1; i < cmd_at; i++)); do
                                        [[ ${words[i]} = --shared-store ]] && store=${words[i + 1]}
                                        [[ ${words[i]} = --shared-store=* ]] && store=${words[i]#*=}
                                done
                                [[ -n $store && -d $store/refs ]] &&
                                        COMPREPLY=($(compgen -W "$(command ls "$store/refs" 2>/dev/null)" -- "$cur"))
                                return
                        fi
                        [[ $cur != -* ]] || _berth_opts "--shared --forget-node --force --help -f -h"
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
        pod)
                case $sub in
                "")
                        if [[ $cur == -* ]]; then
                                _berth_opts "--help -h"
                        else
                                _berth_opts "create exists inspect logs ps ls list restart rm start stop help"
                        fi
                        ;;
                help)
                        _berth_opts "create exists inspect logs ps restart rm start stop"
                        ;;
                create)
                        case $prev in
                        --network | --net)
                                _berth_opts "bridge host none"
                                return
                                ;;
                        --share)
                                _berth_opts "ipc,net,uts +pid none"
                                return
                                ;;
                        --pod-id-file)
                                _berth_files
                                return
                                ;;
                        -n | --name | -p | --publish | --hostname | -l | --label | --add-host | -m | --memory | --cpus)
                                return
                                ;;
                        esac
                        [[ $cur != -* ]] || _berth_opts "--name --publish --hostname --network --share --label --add-host --memory --cpus --pod-id-file --replace --help -n -p -l -m -h"
                        ;;
                ps | ls | list)
                        case $prev in
                        --format)
                                _berth_opts "table json"
                                return
                                ;;
                        --sort)
                                _berth_opts "created id name number status"
                                return
                                ;;
                        -f | --filter)
                                _berth_opts "id= name= status= label= network= ctr-names= ctr-ids= ctr-status= ctr-number="
                                compopt -o nospace 2>/dev/null
                                return
                                ;;
                        esac
                        [[ $cur != -* ]] || _berth_opts "--quiet --no-trunc --format --ctr-names --ctr-ids --ctr-status --ns --filter --sort --latest --noheading --help -q -f -l -n -h"
                        ;;
                inspect)
                        case $prev in
                        -f | --format)
                                _berth_opts "json"
                                return
                                ;;
                        esac
                        if [[ $cur == -* ]]; then
                                _berth_opts "--format --latest --help -f -l -h"
                        else
                                _berth_pods
                        fi
                        ;;
                start | restart)
                        if [[ $cur == -* ]]; then
                                _berth_opts "--all --latest --help -a -l -h"
                        else
                                _berth_pods
                        fi
                        ;;
                stop)
                        case $prev in
                        -t | --time | --timeout)
                                return
                                ;;
                        esac
                        if [[ $cur == -* ]]; then
                                _berth_opts "--time --ignore --all --latest --help -t -i -a -l -h"
                        else
                                _berth_pods
                        fi
                        ;;
                rm)
                        case $prev in
                        -t | --time | --timeout)
                                return
                                ;;
                        esac
                        if [[ $cur == -* ]]; then
                                _berth_opts "--force --time --ignore --all --latest --help -f -t -i -a -l -h"
                        else
                                _berth_pods
                        fi
                        ;;
                logs)
                        case $prev in
                        -c | --container | --since | --until | --tail)
                                return
                                ;;
                        esac
                        if [[ $cur == -* ]]; then
                                _berth_opts "--container --follow --names --timestamps --since --until --tail --latest --help -c -f -n -t -l -h"
                        else
                                _berth_pods
                        fi
                        ;;
                exists)
                        [[ $cur == -* ]] || _berth_pods
                        ;;
                esac
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
                        _berth_opts "play down validate"
                        ;;
                play)
                        case $prev in
                        --format)
                                _berth_opts "text json"
                                return
                                ;;
                        --network)
                                _berth_opts "bridge host none"
                                return
                                ;;
                        --start)
                                _berth_opts "true false"
                                return
                                ;;
                        esac
                        if [[ $cur == -* ]]; then
                                _berth_opts "--replace --start --network --wait --format --quiet --help -q -h"
                        else
                                _berth_manifests
                        fi
                        ;;
                down)
                        case $prev in
                        --format)
                                _berth_opts "text json"
                                return
                                ;;
                        esac
                        if [[ $cur == -* ]]; then
                                _berth_opts "--volumes --force --format --help -v -f -h"
                        else
                                _berth_manifests
                        fi
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
