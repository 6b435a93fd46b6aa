/**
 * @svkit/protocol: the service directory on disk, shared by daemontools 0.76 and every svkit
 * program (supervisor, svc/svstat/svok, and the servers): names and modes, the 18-byte status,
 * state.json, control letters, the ok probe, how every client reaches supervise/ (openSupervise),
 * waiting for a state, and safe reading of directories that may belong to an untrusted user.
 */
export * from './layout.js';
export * from './status-pack.js';
export * from './status-file.js';
export * from './extra-state.js';
export * from './control-write.js';
export * from './fifo-open.js';
export * from './ok-probe.js';
export * from './service-status.js';
export * from './wait-state.js';
export * from './safe-read.js';
export * from './dir-handle.js';
export * from './supervise-access.js';
