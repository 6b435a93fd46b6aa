/** @svkit/web: svweb, the web dashboard, JSON API, supervisorctl XML-RPC and Prometheus metrics. */
export * from './web-server.js';
export * from './limits.js';
export * from './supervisor-rpc.js';
export * from './xmlrpc.js';
export * from './service-view.js';
export * from './service-names.js';
export * from './local-time.js';
