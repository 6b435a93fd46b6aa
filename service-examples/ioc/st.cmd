#!/bin/sh
# st.cmd: a stand-in for an EPICS soft IOC's startup script: an interactive shell with an "epics>" prompt.
# Commands: help, dbl (list records), dbpr NAME (print a record), dbpf NAME VALUE (put), date, exit.
echo "Starting iocInit"
echo "iocRun: All initialization complete"
set -f
temp=21.5
pressure=1013
setpoint=20.0
while printf 'epics> ' && IFS= read -r line; do
  set -- $line
  case "$1" in
    '') ;;
    help) echo "commands: help dbl dbpr dbpf date exit" ;;
    dbl) printf '%s\n' ioc:temperature ioc:pressure ioc:setpoint ;;
    dbpr)
      case "$2" in
        ioc:temperature) echo "RECORD: ioc:temperature VAL: $temp" ;;
        ioc:pressure) echo "RECORD: ioc:pressure VAL: $pressure" ;;
        ioc:setpoint) echo "RECORD: ioc:setpoint VAL: $setpoint" ;;
        *) echo "dbpr: record '$2' not found" ;;
      esac ;;
    dbpf)
      case "$2" in
        ioc:setpoint) setpoint=$3; echo "DBF_DOUBLE: $setpoint" ;;
        *) echo "dbpf: record '$2' not found or read-only" ;;
      esac ;;
    date) date ;;
    exit) echo "IOC exiting"; exit 0 ;;
    *) echo "$1: command not found" ;;
  esac
done
echo "IOC exiting (end of input)"
