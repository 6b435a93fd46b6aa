# st.cmd of IOC %i (a stand-in: iocsh.bash below runs these lines, as e3's iocsh.bash runs an IOC's st.cmd)
epicsEnvSet IOCNAME %i
dbLoadRecords %i:temperature %i:pressure %i:setpoint
iocInit
