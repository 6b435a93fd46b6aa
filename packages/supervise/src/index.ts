/** @svkit/supervise: the daemontools service-directory protocol, the supervisor and the scanner. */
export * from '@svkit/protocol/layout';
export * from '@svkit/protocol/status-pack';
export * from '@svkit/protocol/status-file';
export * from '@svkit/protocol/control-write';
export * from '@svkit/protocol/ok-probe';
export * from '@svkit/protocol/service-status';
export * from './svstat-format.js';
export * from './supervisor.js';
export * from '@svkit/protocol/extra-state';
export * from './service-dir-open.js';
export * from './scanner.js';
