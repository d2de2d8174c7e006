#!/usr/bin/env bash
# Installs KetaMap in one step, or removes it in one step (--uninstall).
#
#   scripts/install.sh [--prefix DIR] [--destdir DIR] [--bin-dir DIR] [--comedi-buffer-kb N]
#   scripts/install.sh --uninstall [--prefix DIR] [--destdir DIR]
#
# Installs (paths under DESTDIR, default /):
#   PREFIX/bin/ketamapd, ketamapctl            PREFIX defaults to /usr/local
#   PREFIX/share/man/man1/ketamapd.1, ketamapctl.1
#   PREFIX/share/doc/ketamap/*.md              the guides
#   /etc/ketamap/ketamapd.toml, channels.tsv, electrodes.tsv   (an existing one is kept)
#   /etc/systemd/system/ketamap-session@.service
#   /etc/sysusers.d/ketamap.conf, /etc/tmpfiles.d/ketamap.conf
#   /etc/udev/rules.d/99-ketamap-comedi.rules  (buffer maximum: --comedi-buffer-kb, default 65536)
#   PREFIX/share/ketamap/installed-files       what --uninstall removes
# Without DESTDIR it also creates the user and folders (systemd-sysusers,
# systemd-tmpfiles) and reloads systemd and udev. --bin-dir takes ketamapd and
# ketamapctl from DIR instead of building them (release) here.
#
# --uninstall removes every file listed in installed-files, except a
# configuration file edited since (kept, and said so). It never removes the
# recordings (/var/lib/ketamap), nor the ketamap user (as Debian keeps
# system users).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${PREFIX:-/usr/local}
destdir=${DESTDIR:-}
bin_dir=
buffer_kb=65536
uninstall=0
usage() { sed -n '2,24s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
while (($#)); do
    case $1 in
    --prefix) prefix=$2; shift ;;
    --destdir) destdir=$2; shift ;;
    --bin-dir) bin_dir=$2; shift ;;
    --comedi-buffer-kb) buffer_kb=$2; shift ;;
    --uninstall) uninstall=1 ;;
    -h | --help) usage ;;
    *) echo "install.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
    esac
    shift
done
[[ $prefix == /* ]] || { echo "install.sh: --prefix must be an absolute path (got '$prefix')" >&2; exit 2; }
[[ $buffer_kb =~ ^[0-9]{1,9}$ ]] && ((buffer_kb >= 64)) || { echo "install.sh: --comedi-buffer-kb must be a whole number of KiB, 64 or more (got '$buffer_kb')" >&2; exit 2; }
destdir=${destdir%/}
manifest=$prefix/share/ketamap/installed-files
live_system() { [[ -z $destdir ]]; }
systemd_running() { live_system && [[ -d /run/systemd/system ]]; }

# The configuration is the site's: a file edited since it was installed is
# recognised by its checksum in the manifest.
checksum() { sha256sum "$1" | cut -d' ' -f1; }

if ((uninstall)); then
    [[ -f $destdir$manifest ]] || { echo "install.sh: nothing to uninstall: no $destdir$manifest" >&2; exit 1; }
    while read -r path sum; do
        file=$destdir$path
        [[ -e $file || -L $file ]] || continue
        if [[ $sum != - && $(checksum "$file") != "$sum" ]]; then
            echo "kept $path (edited since it was installed)"
            continue
        fi
        rm -f "$file"
    done <"$destdir$manifest"
    rm -f "$destdir$manifest"
    for dir in "$prefix/share/ketamap" "$prefix/share/doc/ketamap" /etc/ketamap; do
        rmdir "$destdir$dir" 2>/dev/null || true
    done
    if systemd_running; then
        systemctl daemon-reload
        udevadm control --reload-rules || true
    fi
    echo "uninstalled; recordings in /var/lib/ketamap are untouched"
    exit 0
fi

if [[ -z $bin_dir ]]; then
    scripts/setup.sh
    swift build -c release --product ketamapd
    swift build -c release --product ketamapctl
    bin_dir=$(swift build -c release --show-bin-path)
fi
for program in ketamapd ketamapctl; do
    [[ -x $bin_dir/$program ]] || { echo "install.sh: no executable $bin_dir/$program" >&2; exit 1; }
done

# Lines of the new manifest: "<path> <sha256 or ->"; only configuration files carry a checksum.
previous=$(cat "$destdir$manifest" 2>/dev/null || true)
entries=()
put() {  # put MODE SOURCE DEST
    local mode=$1 source=$2 dest=$3
    install -d -m 0755 "$(dirname "$destdir$dest")"
    install -m "$mode" "$source" "$destdir$dest"
    entries+=("$dest -")
}
put_filtered() {  # put_filtered MODE SOURCE DEST SED-SCRIPT
    local staged
    staged=$(mktemp)
    sed "$4" "$2" >"$staged"
    put "$1" "$staged" "$3"
    rm -f "$staged"
}

put 0755 "$bin_dir/ketamapd" "$prefix/bin/ketamapd"
put 0755 "$bin_dir/ketamapctl" "$prefix/bin/ketamapctl"
for page in docs/man/*.1; do put 0644 "$page" "$prefix/share/man/man1/$(basename "$page")"; done
for guide in docs/*.md; do put 0644 "$guide" "$prefix/share/doc/ketamap/$(basename "$guide")"; done
put_filtered 0644 systemd/ketamap-session@.service /etc/systemd/system/ketamap-session@.service "s|/usr/local/|$prefix/|g"
put 0644 systemd/ketamap.sysusers /etc/sysusers.d/ketamap.conf
put 0644 systemd/ketamap.tmpfiles /etc/tmpfiles.d/ketamap.conf
put_filtered 0644 udev/99-ketamap-comedi.rules /etc/udev/rules.d/99-ketamap-comedi.rules \
    "s|ATTR{max_read_buffer_kb}=\"[0-9]*\"|ATTR{max_read_buffer_kb}=\"$buffer_kb\"|"

install -d -m 0755 "$destdir/etc/ketamap"
for source in config/ketamapd.toml config/channels.tsv config/electrodes.tsv; do
    dest=/etc/ketamap/$(basename "$source")
    if [[ -e $destdir$dest ]]; then
        # Kept; still listed if this installer put it there.
        if line=$(grep -m1 "^$dest " <<<"$previous"); then entries+=("$line"); fi
        echo "kept $dest"
        continue
    fi
    install -m 0644 "$source" "$destdir$dest"
    entries+=("$dest $(checksum "$destdir$dest")")
done

install -d -m 0755 "$(dirname "$destdir$manifest")"
entries+=("$manifest -")
printf '%s\n' "${entries[@]}" >"$destdir$manifest"

if live_system; then
    systemd-sysusers /etc/sysusers.d/ketamap.conf
    systemd-tmpfiles --create /etc/tmpfiles.d/ketamap.conf
fi
if systemd_running; then
    systemctl daemon-reload
    udevadm control --reload-rules && udevadm trigger --subsystem-match=comedi || true
fi
echo "installed into ${destdir:-/} (prefix $prefix); start a session with: systemctl start ketamap-session@<session-id>"
