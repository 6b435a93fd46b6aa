/**
 * The service-directory protocol on disk: every name, size and mode that svkit's programs
 * share with each other and with daemontools 0.76 (like s6's include/s6/supervise.h).
 */

/** Directory supervise creates inside a service directory (mode 0700). */
export const SUPERVISE_DIR = 'supervise';

/**
 * The files inside supervise/, by name: a supervisor holds that directory open and works relative
 * to it (DirHandle); so do clients, which reach it through openSupervise (supervise-access.ts).
 * The paths below, relative to the service directory, are for messages.
 */
export const NAME = {
  lock: 'lock',
  control: 'control',
  ok: 'ok',
  status: 'status',
  statusNew: 'status.new',
  stateJson: 'state.json',
  stateJsonNew: 'state.json.new',
  adopt: 'adopt',
  adoptNew: 'adopt.new',
} as const;

/** Lock file held with flock(LOCK_EX|LOCK_NB) for supervise's whole life (mode 0600). */
export const LOCK = `${SUPERVISE_DIR}/${NAME.lock}`;
/** FIFO that svc writes control letters to (mode 0600). */
export const CONTROL = `${SUPERVISE_DIR}/${NAME.control}`;
/** FIFO held open for reading while supervise runs: "running" = open(O_WRONLY|O_NONBLOCK) succeeds. */
export const OK = `${SUPERVISE_DIR}/${NAME.ok}`;
/** The 18-byte status file (mode 0644), replaced atomically through NAME.statusNew. */
export const STATUS = `${SUPERVISE_DIR}/${NAME.status}`;
/** Size of the daemontools status record. */
export const STATUS_LEN = 18;

/** svkit's extra state (JSON), beside the 18-byte status: exit codes, restarts, readiness (mode 0644). */
export const STATE_JSON = `${SUPERVISE_DIR}/${NAME.stateJson}`;
/** Most of state.json a reader takes (it is a few hundred bytes). */
export const STATE_JSON_CAP = 64 * 1024;
/** Adoption record of the running child (mode 0600): "PID STARTTIME BOOTID DEV:INO" (see adopt-record.ts). */
export const ADOPT = `${SUPERVISE_DIR}/${NAME.adopt}`;

/** The program supervise runs. */
export const RUN = 'run';
/** If present at start-up, the service starts with want down. */
export const DOWN = 'down';
/** Subdirectory holding the service's logger (svscan pairs them with a pipe). */
export const LOG = 'log';

/** Modes of the files above. */
export const MODE_SUPERVISE_DIR = 0o700;
export const MODE_FIFO = 0o600;
export const MODE_LOCK = 0o600;
export const MODE_STATUS = 0o644;
export const MODE_STATE_JSON = 0o644;
export const MODE_ADOPT = 0o600;

/** Every control letter daemontools 0.76 supervise understands, in svc's order. */
export const CONTROL_LETTERS_076 = 'udopchaitkx';
/** svkit's additional letters: USR1, USR2, QUIT, and kill the whole process group. */
export const CONTROL_LETTERS_EXTRA = '12qK';

/** Status byte 17 values: the supervisor's wish. */
export type Want = 'u' | 'd' | 0;
