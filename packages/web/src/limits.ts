/**
 * Every bound svweb puts on what clients can make it hold, in one place (README "Trust"). Each
 * value is far above what a real browser, supervisorctl or prometheus needs, and low enough that
 * the sum over all clients stays a few tens of MiB.
 */

/**
 * Connections open at once from one address. A browser opens at most 6 HTTP/1.1 connections per
 * host plus its WebSockets; supervisorctl and prometheus one each. Every local user is 127.0.0.1,
 * so this leaves room for several of them at once.
 */
export const MAX_CONNECTIONS_PER_ADDRESS = 64;
/** Connections open at once in all (each console needs a second descriptor, see MAX_CONSOLES). */
export const MAX_CONNECTIONS = 512;
/** Browser consoles open at once: with MAX_CONNECTIONS, under the usual limit of 1024 descriptors. */
export const MAX_CONSOLES = 128;

/** Time to send a request's headers (slowloris): a real client sends them in one packet. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Time to send a whole request, body included (XML-RPC calls and control requests are a few KiB). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** An idle keep-alive connection is closed after this (Node's default; clients reconnect). */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often the two timeouts above are checked (Node's default of 30 s doubled them). */
export const TIMEOUT_CHECK_MS = 1_000;

/** Largest request body (supervisorctl's biggest call is a few hundred bytes, a control request less). */
export const MAX_BODY = 256 * 1024;
/** Request bodies being read at once, all clients together. */
export const MAX_BODIES_TOTAL = 8 * 1024 * 1024;
/** Deepest element nesting of an XML-RPC call (supervisorctl's deepest, a multicall, is about 12). */
export const XMLRPC_MAX_DEPTH = 32;
/** Calls in one system.multicall (supervisorctl sends none; a script a few per service). */
export const MAX_MULTICALL = 256;

/**
 * Output queued for one streaming client (log tails, SSE, console) above which it gets no new
 * data: its log cursor stays where it is and its console is paused until it reads. 256 KiB is
 * seconds of the busiest log a human watches.
 */
export const STREAM_HIGH_WATER = 256 * 1024;
/** Output queued for all streaming clients together above which none gets new data. */
export const STREAMS_TOTAL = 32 * 1024 * 1024;
/** A streaming client whose queue stays above STREAM_HIGH_WATER this long is disconnected. */
export const STREAM_STALL_MS = 30_000;
/** Typing queued for a console that does not read, above which the browser's WebSocket is paused. */
export const CONSOLE_INPUT_HIGH_WATER = 64 * 1024;
