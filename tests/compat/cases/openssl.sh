seq 1 1000 > d; openssl dgst -sha256 d; openssl dgst -md5 d; openssl enc -aes-256-cbc -pbkdf2 -pass pass:x -S 0011223344556677 -in d -out d.enc; openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:x -in d.enc | cmp - d && echo enc ok
openssl genrsa -out k.pem 1024 2>/dev/null; echo genrsa=$?; openssl rsa -in k.pem -check -noout; openssl rand -hex 8 | wc -c; openssl base64 -in d | tail -1
openssl req -new -x509 -key k.pem -subj /CN=test -days 1 -out c.pem 2>/dev/null; openssl x509 -in c.pem -noout -subject; openssl dgst -sha256 -sign k.pem -out sig d; openssl dgst -sha256 -verify <(openssl rsa -in k.pem -pubout 2>/dev/null) -signature sig d
openssl genpkey -algorithm ed25519 -out e.pem; openssl pkey -in e.pem -pubout | head -1; openssl prime 97
