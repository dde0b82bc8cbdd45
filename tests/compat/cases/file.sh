printf '\x7fELF' > e; echo 'hello' > t; printf '#!/bin/sh\necho\n' > s; gzip -n -c t > t.gz
file e t s t.gz; file -b /bin/bash | cut -d, -f1; file -i t
