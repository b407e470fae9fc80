//! Which IBM i server a connection used, told from the job that served it or the local port it reached.
//! Job names and ports are IBM's defaults (host servers 8470-8476, SSL 9470-9476; DDM/DRDA 446/448;
//! Telnet 23/992; FTP 20/21/990; SSH 22), from "Host server jobs" and "Port numbers for host servers and
//! server mapper" in IBM i Connecting to IBM i.

/// SQL expression naming the server of a job name column.
pub fn by_job(job: &str) -> String {
    format!(
        "CASE
  WHEN {job} IN ('QZDASOINIT', 'QZDASSINIT') THEN 'database (ODBC/JDBC)'
  WHEN {job} = 'QZSOSIGN' THEN 'sign-on server'
  WHEN {job} = 'QZRCSRVS' THEN 'remote command'
  WHEN {job} IN ('QPWFSERVSO', 'QPWFSERVSS', 'QPWFSERVS2') THEN 'file server'
  WHEN {job} = 'QRWTSRVR' THEN 'DDM/DRDA'
  WHEN {job} LIKE 'QTFTP%' THEN 'FTP'
  WHEN {job} LIKE 'QPADEV%' OR {job} IN ('QTVTELNET', 'QTVDEVICE', 'QINTER') THEN 'Telnet'
  WHEN {job} = 'QZSCSRVS' THEN 'central server'
  WHEN {job} = 'QZHQSSRV' THEN 'data queue server'
  WHEN {job} = 'QNPSERVS' THEN 'network print server'
  WHEN {job} LIKE 'QP0ZSPW%' OR {job} = 'QZSHSH' THEN 'SSH/PASE'
  ELSE NULL END"
    )
}

/// SQL expression naming the server of a local port column (text or number).
pub fn by_port(port: &str) -> String {
    format!(
        "CASE TRY_CAST({port} AS INTEGER)
  WHEN 8471 THEN 'database (ODBC/JDBC)' WHEN 9471 THEN 'database (ODBC/JDBC)'
  WHEN 8476 THEN 'sign-on server' WHEN 9476 THEN 'sign-on server'
  WHEN 8475 THEN 'remote command' WHEN 9475 THEN 'remote command'
  WHEN 8473 THEN 'file server' WHEN 9473 THEN 'file server'
  WHEN 446 THEN 'DDM/DRDA' WHEN 448 THEN 'DDM/DRDA'
  WHEN 21 THEN 'FTP' WHEN 20 THEN 'FTP' WHEN 990 THEN 'FTP'
  WHEN 23 THEN 'Telnet' WHEN 992 THEN 'Telnet'
  WHEN 8470 THEN 'central server' WHEN 9470 THEN 'central server'
  WHEN 8472 THEN 'data queue server' WHEN 9472 THEN 'data queue server'
  WHEN 8474 THEN 'network print server' WHEN 9474 THEN 'network print server'
  WHEN 449 THEN 'server mapper'
  WHEN 22 THEN 'SSH/PASE'
  ELSE NULL END"
    )
}
