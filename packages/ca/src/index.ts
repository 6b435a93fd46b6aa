/** @svkit/ca: a Channel Access server (wire format, DBR types, circuits, name search) and the service PVs. */
export * from './wire.js';
export * from './pv.js';
export * from './dbr.js';
export * from './pv-registry.js';
export * from './access.js';
export * from './circuit.js';
export * from './name-search.js';
export * from './beacon.js';
export * from './ca-server.js';
export * from './limits.js';
export * from './quota.js';
export * from './message-reader.js';
export * from './output-queue.js';
export * from './service-pvs.js';
