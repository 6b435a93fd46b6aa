/**
 * Every bound of the Channel Access server in one place: what one client (circuit), one client
 * address and all clients together may make svca hold, and how long a client may stay silent or
 * stuck. Each value is far above what a real client needs (a screen or archiver monitoring every
 * PV of 1000 services opens 9001 channels with one monitor each, on one circuit) and low enough
 * that what all clients together can make svca hold stays in the low hundreds of MB (measured in
 * test/ca/bounds.test.ts: 100000 channel requests on one circuit +12-17 MB RSS, 500 clients
 * that never read while 20 large monitors each fire +130 MB).
 */

/** The limits a CaServer applies (defaults below; tests shorten the timeouts). */
export interface Limits {
  /** Most circuits at once (--max-clients). */
  maxCircuits: number;
  /** Most circuits from one client IP address. */
  maxCircuitsPerAddr: number;
  /** Channels: per circuit, per client address, all circuits together. */
  maxChannels: number;
  maxChannelsPerAddr: number;
  maxChannelsTotal: number;
  /** Monitors (EVENT_ADD subscriptions): per circuit, per client address, all circuits together. */
  maxSubs: number;
  maxSubsPerAddr: number;
  maxSubsTotal: number;
  /** Largest message payload a client may send, bytes. */
  maxPayload: number;
  /** Queued output of one circuit past which it is closed (--max-queue); a quarter of it is the soft limit. */
  maxQueue: number;
  /** Queued output of all circuits past which every circuit coalesces and pauses at `queueFloor`. */
  totalQueueSoft: number;
  /** Queued output of all circuits past which the circuits with the longest queues are closed. */
  totalQueueHard: number;
  /** A circuit's soft limit while the total is over `totalQueueSoft`. */
  queueFloor: number;
  /** A new circuit must ask for a channel (or search) within this, ms. */
  handshakeMs: number;
  /** A circuit with nothing received (whole messages) and nothing sent for this long is closed, ms. */
  idleMs: number;
  /** A circuit whose queued output has not moved for this long is closed, ms. */
  stallMs: number;
  /** When a connection limit is reached, circuits silent both ways this long may be closed for a newcomer, ms. */
  evictIdleMs: number;
  /** Names looked up for UDP searches per second, all clients together (datagrams past it are dropped unread). */
  searchesPerSecond: number;
  /** SEARCH messages answered per datagram. */
  searchesPerDatagram: number;
  /** UDP replies waiting to be sent, past which further replies are dropped. */
  udpInFlight: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  // 1024: the usual fd limit of an IOC; each circuit costs one fd and a few kB when empty
  maxCircuits: 1024,
  // a quarter of the total: four addresses are needed to fill svca, so one busy or hostile host
  // cannot lock the others out (all local clients share 127.0.0.1: 256 libca processes)
  maxCircuitsPerAddr: 256,
  // 20000: twice every PV of 1000 services (a full circuit grows svca by about 15 MB)
  maxChannels: 20_000,
  // half of the total, so one address never takes all of it
  maxChannelsPerAddr: 50_000,
  // five full circuits
  maxChannelsTotal: 100_000,
  // one monitor per channel, as libca clients make them
  maxSubs: 20_000,
  maxSubsPerAddr: 50_000,
  maxSubsTotal: 100_000,
  // 16 KiB: libca's historic EPICS_CA_MAX_ARRAY_BYTES default, the largest request an old client
  // sends; every svca PV is a scalar, so real requests are names and one-element writes (< 600 B)
  maxPayload: 16 * 1024,
  // 4 MiB per client; monitor updates are coalesced past 1 MiB, so only requests fill it
  maxQueue: 4 * 1024 * 1024,
  // all clients together: 16 MiB queued before every circuit pauses early, 32 MiB before the
  // longest queues are dropped (a client that reads has almost nothing queued: the kernel's
  // socket buffer takes what it has not read yet)
  totalQueueSoft: 16 * 1024 * 1024,
  totalQueueHard: 32 * 1024 * 1024,
  queueFloor: 16 * 1024,
  // libca sends VERSION, CLIENT_NAME, HOST_NAME and CREATE_CHAN in its first write
  handshakeMs: 10_000,
  // libca sends ECHO when the server has been silent for EPICS_CA_CONN_TMO (30 s): six missed
  // echoes, and still right for clients with EPICS_CA_CONN_TMO up to about 170 s
  idleMs: 180_000,
  // libca reads all the time (its own thread); a client that reads nothing for a minute is stopped or dead
  stallMs: 60_000,
  // two echo periods of libca at its default EPICS_CA_CONN_TMO
  evictIdleMs: 60_000,
  // a client connecting to every PV of 1000 services searches 9001 names at once (then retries
  // with backoff); a flood costs svca at most this many lookups a second and leaves CPU for TCP
  searchesPerSecond: 20_000,
  // a 1472-byte datagram holds at most 61 searches
  searchesPerDatagram: 128,
  udpInFlight: 256,
};
