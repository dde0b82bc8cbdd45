sqlite3 db 'create table t(a,b); insert into t values(1,"x"),(2,"y"); create index i on t(b);'; sqlite3 db 'select * from t order by a desc'
sqlite3 -json db 'select * from t'; sqlite3 db 'pragma journal_mode=wal; insert into t values(3,"z"); select count(*) from t; pragma integrity_check;'
sqlite3 db .dump | head -5; sqlite3 db 'with recursive c(i) as (select 1 union all select i+1 from c where i<10000) select sum(i) from c'
