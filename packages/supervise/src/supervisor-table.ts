/**
 * The supervisor's state x event table (as s6-supervise's): every state names an action for
 * every event, so a new event or state cannot go unhandled (the compiler checks it).
 */
import type { State } from '@svkit/protocol/extra-state';
import type { Supervisor } from './supervisor.js';

/** Where a supervised service is: the states are part of the state.json format. */
export type { State };

/** What can happen to a supervisor. */
export type Event =
  | 'u' | 'd' | 'o' | 'p' | 'c' | 'x' // control letters with their own meaning
  | 'signal' // h a i t k 1 2 q: send a signal to the service
  | 'K' // kill the service's whole process group
  | 'child-exit' // ./run exited
  | 'start-timer' // the scheduled start is due
  | 'kill-timer' // timeout-kill (stopping) or timeout-finish (finishing) expired
  | 'finish-exit' // ./finish exited
  | 'ready' // the service wrote its readiness notification
  | 'restart' // the owner changed what the service runs: stop it (want unchanged) or start a planned start now
  | 'retire'; // the owner (svscan shutting down) wants no more starts: leave once down, cancel a planned start

/** An action: what the supervisor does for an event in a state. */
export type Action = (sv: Supervisor, arg?: unknown) => void;

const ignore: Action = () => {};
const wantUp: Action = (sv) => sv.setWant('u');
const wantOnce: Action = (sv) => sv.setWant(0);
const wantDown: Action = (sv) => sv.setWant('d');

/** Letters and events while a process (./run) runs: shared by up and stopping. */
const running: Record<Event, Action> = {
  u: wantUp,
  d: (sv) => { sv.setWant('d'); sv.stop(); },
  o: wantOnce,
  p: (sv) => sv.pause(),
  c: (sv) => sv.resume(),
  x: (sv) => sv.setExitFlag(),
  signal: (sv, sig) => sv.signal(sig as NodeJS.Signals),
  K: (sv) => sv.killGroup(),
  'child-exit': (sv, how) => sv.onChildExit(how as ExitHow),
  'start-timer': ignore,
  'kill-timer': ignore,
  'finish-exit': ignore,
  ready: (sv) => sv.markReady(),
  restart: (sv) => sv.restart(),
  retire: (sv) => sv.setExitFlag(),
};

/** The table. */
export const TABLE: Record<State, Record<Event, Action>> = {
  down: {
    u: (sv) => { sv.setWant('u'); sv.scheduleStart(); },
    d: wantDown,
    o: (sv) => { sv.setWant(0); sv.scheduleStart(); },
    p: ignore,
    c: ignore,
    x: (sv) => sv.exitNow(),
    signal: ignore,
    K: ignore,
    'child-exit': ignore,
    'start-timer': ignore,
    'kill-timer': ignore,
    'finish-exit': ignore,
    ready: ignore,
    restart: ignore,
    retire: (sv) => sv.exitNow(),
  },
  starting: {
    u: (sv) => { sv.setWant('u'); sv.hurryStart(); },
    d: (sv) => { sv.setWant('d'); sv.cancelStart(); },
    o: wantOnce,
    p: ignore,
    c: ignore,
    // the planned start goes ahead (0.76: `svc -ox` starts the service, then exits when it is down)
    x: (sv) => sv.setExitFlag(),
    signal: ignore,
    K: ignore,
    'child-exit': ignore,
    'start-timer': (sv) => sv.spawnRun(),
    'kill-timer': ignore,
    'finish-exit': ignore,
    ready: ignore,
    restart: (sv) => sv.startNow(),
    retire: (sv) => { sv.cancelStart(); sv.exitNow(); },
  },
  up: running,
  stopping: {
    ...running,
    'kill-timer': (sv) => sv.killAfterTimeout(),
    restart: ignore,
  },
  finishing: {
    u: wantUp,
    d: wantDown,
    o: wantOnce,
    p: ignore,
    c: ignore,
    x: (sv) => sv.setExitFlag(),
    signal: ignore,
    K: (sv) => sv.killFinish(),
    'child-exit': ignore,
    'start-timer': ignore,
    'kill-timer': (sv) => sv.killFinish(),
    'finish-exit': (sv) => sv.afterRun(),
    ready: ignore,
    restart: ignore,
    retire: (sv) => sv.setExitFlag(),
  },
};

/** How ./run ended: exit code or signal (both null for an adopted process, whose status is unknown). */
export interface ExitHow {
  code: number | null;
  signal: NodeJS.Signals | null;
}
