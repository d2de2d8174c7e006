#!/usr/bin/env bash
# Installs KetaMap system-wide, as root: binaries in /usr/local/bin, the config
# in /etc/ketamap (an existing one is kept), the systemd unit, the udev rule,
# the `ketamap` user and group, and the guides in /usr/local/share/doc/ketamap.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product ketamapd
swift build -c release --product ketamapctl
bin=$(swift build -c release --show-bin-path)

getent group ketamap >/dev/null || groupadd --system ketamap
getent passwd ketamap >/dev/null || useradd --system --gid ketamap --home-dir /var/lib/ketamap --shell /usr/sbin/nologin ketamap

install -m 0755 "$bin/ketamapd" "$bin/ketamapctl" /usr/local/bin/
install -d -m 0755 /etc/ketamap
for file in config/ketamapd.toml config/channels.tsv config/electrodes.tsv; do
    [[ -e /etc/ketamap/$(basename "$file") ]] || install -m 0644 "$file" /etc/ketamap/
done
install -m 0644 systemd/ketamap-session@.service /etc/systemd/system/
install -m 0644 udev/*.rules /etc/udev/rules.d/
install -d -m 0755 /usr/local/share/man/man1
install -m 0644 docs/man/*.1 /usr/local/share/man/man1/
install -d -m 0755 /usr/local/share/doc/ketamap
install -m 0644 docs/*.md /usr/local/share/doc/ketamap/

if [[ -d /run/systemd/system ]]; then
    systemctl daemon-reload
    udevadm control --reload-rules && udevadm trigger --subsystem-match=comedi || true
fi
echo "installed; start a session with: systemctl start ketamap-session@<session-id>"
