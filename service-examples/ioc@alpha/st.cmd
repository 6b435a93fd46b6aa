# st.cmd of IOC alpha (a stand-in: iocsh.bash below runs these lines, as e3's iocsh.bash runs an IOC's st.cmd)
epicsEnvSet IOCNAME alpha
dbLoadRecords alpha:temperature alpha:pressure alpha:setpoint
iocInit
