# st.cmd of IOC beta (a stand-in: iocsh.bash below runs these lines, as e3's iocsh.bash runs an IOC's st.cmd)
epicsEnvSet IOCNAME beta
dbLoadRecords beta:temperature beta:pressure beta:setpoint
iocInit
