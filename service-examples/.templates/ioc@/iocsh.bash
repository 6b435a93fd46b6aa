#!/bin/sh
# iocsh.bash ST.CMD: a stand-in for e3's iocsh.bash (which starts softIocPVA on the IOC's st.cmd):
# runs the startup script's lines, then gives an interactive "NAME> " prompt.
# Commands: help, dbl (list records), dbpr REC, dbpf REC VALUE, date, exit.
set -f
name=ioc
records=
values=
while IFS= read -r line; do
  case "$line" in '#'*|'') continue ;; esac
  echo "$line"
  set -- $line
  case "$1" in
    epicsEnvSet) [ "$2" = IOCNAME ] && name=$3 ;;
    dbLoadRecords) shift; records="$*" ;;
    iocInit) echo "iocRun: All initialization complete" ;;
  esac
done < "${1:?usage: iocsh.bash st.cmd}"
value() { eval "echo \${val_$(echo "$1" | tr -c 'A-Za-z0-9\n' _):-0}"; }
while printf '%s> ' "$name" && IFS= read -r line; do
  set -- $line
  case "$1" in
    '') ;;
    help) echo "commands: help dbl dbpr dbpf date exit" ;;
    dbl) printf '%s\n' $records ;;
    dbpr|dbpf)
      found=
      for r in $records; do [ "$r" = "$2" ] && found=1; done
      if [ -z "$found" ]; then echo "$1: record '$2' not found"
      elif [ "$1" = dbpf ]; then eval "val_$(echo "$2" | tr -c 'A-Za-z0-9\n' _)=\$3"; echo "DBF_DOUBLE: $3"
      else echo "RECORD: $2 VAL: $(value "$2")"; fi ;;
    date) date ;;
    exit) echo "IOC $name exiting"; exit 0 ;;
    *) echo "$1: command not found" ;;
  esac
done
