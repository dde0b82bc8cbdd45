mkdir -p src/sub; seq 1 5000 > src/n; echo hi > src/sub/h; ln -s n src/link
tar cf a.tar src; tar tf a.tar | sort; tar czf a.tgz src; tar cjf a.tbz src; tar cJf a.txz src; tar --zstd -cf a.tzst src
for f in a.tgz a.tbz a.txz a.tzst; do mkdir o-$f; tar xf $f -C o-$f; diff -r src o-$f/src && echo ok $f; done
gzip -k src/n; gzip -t src/n.gz && echo gz; gunzip -c src/n.gz | md5sum; bzip2 -k src/n; bzcat src/n.bz2 | wc -l; xz -k -T2 src/n; xz -l src/n.xz >/dev/null; echo xzl=$?; xzcat src/n.xz | tail -1
zstd -q src/n -o n.zst; zstd -dc n.zst | wc -c; zstd -q -T2 -19 src/n -o n2.zst; zstd -t -q n2.zst && echo zt
(cd src && find . | sort | cpio -o -H newc 2>/dev/null) > a.cpio; mkdir c; (cd c && cpio -id 2>/dev/null < ../a.cpio); diff -r src c && echo cpio ok
