/**
 * uWS reports a failed listen as `false`, without errno, so a port below 1024 refused for
 * want of privilege (EACCES) looked like "in use by another process". Linux decides it from
 * two facts we can read: the unprivileged port floor and CAP_NET_BIND_SERVICE (bit 10) in
 * the process's effective capability set.
 */
import { readFileSync } from 'node:fs';
import { ClickrelayError } from '../errors.js';

const CAP_NET_BIND_SERVICE = 10n;

function unprivilegedPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
  } catch {
    return 1024;
  }
}

function mayBindLowPorts(): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m !== null && ((BigInt(`0x${m[1]}`) >> CAP_NET_BIND_SERVICE) & 1n) === 1n;
  } catch {
    return process.getuid?.() === 0;
  }
}

/** The error to give when `port` could not be bound because it is privileged here, else null. */
export function lowPortRefusal(host: string, port: number, what: string): ClickrelayError | null {
  if (port === 0 || port >= unprivilegedPortStart() || mayBindLowPorts()) return null;
  return new ClickrelayError(
    'CR_ERR_LISTEN_PRIVILEGED',
    `${what} cannot listen on ${host}:${port}: ports below ${unprivilegedPortStart()} need CAP_NET_BIND_SERVICE, which this process lacks. Under systemd install the shipped drop-in (systemd/clickrelay.service.d/bind-low-ports.conf.example → /etc/systemd/system/clickrelay.service.d/bind-low-ports.conf, then systemctl daemon-reload), or listen on 8080 behind a proxy`,
  );
}
