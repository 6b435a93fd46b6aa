/**
 * What root svscan tells a per-owner supervisor (svscan-owner), one message per SOCK_SEQPACKET
 * packet with its descriptors attached (fd-passing.ts), and a byte on a pipe to wake the reader:
 *
 * - `{"op":"service","name":N,"key":K}` + [the service directory, O_PATH]: supervise it (and its log/);
 * - `{"op":"log","name":N,"key":K}` + [log/, O_PATH; the read end of its pipe]: the logger of a
 *   service root runs itself, whose log/ belongs to this owner;
 * - `{"op":"gone","key":K}`: the directory left the scan directory (keep it running, never restart it).
 *
 * The pipe's end of file tells the owner that root svscan is gone. Nothing flows back: root reads
 * nothing from a process its untrusted owner controls.
 */

/** Fixed descriptors of svscan-owner. */
export const OWNER_FD = {
  /** The SOCK_SEQPACKET socket the messages arrive on. */
  socket: 3,
  /** The pipe whose bytes say "messages are waiting" and whose EOF says "root is gone". */
  bell: 4,
} as const;

/** One message. */
export type OwnerMessage =
  | { op: 'service'; name: string; key: string }
  | { op: 'log'; name: string; key: string }
  | { op: 'gone'; key: string };

/** How many descriptors come with each kind of message. */
export const FDS_OF: Record<OwnerMessage['op'], number> = { service: 1, log: 2, gone: 0 };

/** The bytes of a message. */
export function encodeMessage(m: OwnerMessage): Buffer {
  return Buffer.from(JSON.stringify(m));
}

/** A message from its bytes; throws EPROTO when it is not one (or comes with the wrong number of descriptors). */
export function decodeMessage(data: Buffer, fds: number): OwnerMessage {
  let m: unknown;
  try {
    m = JSON.parse(data.toString('utf8'));
  } catch {
    m = undefined;
  }
  const o = m as Partial<Record<string, unknown>> | undefined;
  const op = o?.op;
  const ok = (op === 'service' || op === 'log' || op === 'gone') && typeof o!.key === 'string'
    && (op === 'gone' || typeof o!.name === 'string') && FDS_OF[op] === fds;
  if (!ok) throw Object.assign(new Error('not a message of root svscan'), { code: 'EPROTO' });
  return m as OwnerMessage;
}
