/** @svkit/supervise: the daemontools service-directory protocol, the supervisor and the scanner. */
export * from './layout.js';
export * from './status-pack.js';
export * from './status-file.js';
export * from './control-write.js';
export * from './ok-probe.js';
export * from './service-status.js';
export * from './svstat-format.js';
export * from './supervisor.js';
export * from './extra-state.js';
export * from './service-dir-open.js';
export * from './scanner.js';
