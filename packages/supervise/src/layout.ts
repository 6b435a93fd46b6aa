/**
 * The service-directory protocol on disk: every name, size and mode that svkit's programs
 * share with each other and with daemontools 0.76 (like s6's include/s6/supervise.h).
 */

/** Directory supervise creates inside a service directory (mode 0700). */
export const SUPERVISE_DIR = 'supervise';
/** Lock file held with flock(LOCK_EX|LOCK_NB) for supervise's whole life (mode 0600). */
export const LOCK = 'supervise/lock';
/** FIFO that svc writes control letters to (mode 0600). */
export const CONTROL = 'supervise/control';
/** FIFO held open for reading while supervise runs: "running" = open(O_WRONLY|O_NONBLOCK) succeeds. */
export const OK = 'supervise/ok';
/** The 18-byte status file (mode 0644), replaced atomically from STATUS_NEW. */
export const STATUS = 'supervise/status';
/** Temporary name the status is written to before rename. */
export const STATUS_NEW = 'supervise/status.new';
/** Size of the daemontools status record. */
export const STATUS_LEN = 18;

/** svkit's extra state (JSON), beside the 18-byte status: exit codes, restarts, readiness. */
export const STATE_JSON = 'supervise/state.json';
/** Temporary name of STATE_JSON before rename. */
export const STATE_JSON_NEW = 'supervise/state.json.new';
/** "PID STARTTIME" of the running child, so a restarted supervisor can adopt it. */
export const ADOPT = 'supervise/adopt';

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

/** Every control letter daemontools 0.76 supervise understands, in svc's order. */
export const CONTROL_LETTERS_076 = 'udopchaitkx';
/** svkit's additional letters: USR1, USR2, QUIT, and kill the whole process group. */
export const CONTROL_LETTERS_EXTRA = '12qK';

/** Status byte 17 values: the supervisor's wish. */
export type Want = 'u' | 'd' | 0;
