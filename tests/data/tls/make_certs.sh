#!/bin/sh
# Makes the TLS fixtures for the fetch tests (run from anywhere; writes next to itself):
#   ca.pem / ca.key          test CA, trusted by tests through fetch_options::extra_ca_file
#   server.pem / server.key  leaf for 127.0.0.1 and localhost (SAN), signed by the test CA
#   untrusted.pem / .key     self-signed leaf for the same names, for "bad certificate" tests
# Valid for 20 years so the tests don't rot; the keys are test-only and not secret.
set -eu
cd "$(dirname "$0")"
days=7300
san="subjectAltName=IP:127.0.0.1,DNS:localhost"

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
    -keyout ca.key -out ca.pem -subj "/CN=feedd test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

openssl req -newkey rsa:2048 -nodes -sha256 -keyout server.key -out server.csr -subj "/CN=localhost"
printf '%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
    "$san" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days "$days" \
    -extfile server.ext -out server.pem
rm -f server.csr server.ext ca.srl

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
    -keyout untrusted.key -out untrusted.pem -subj "/CN=localhost" -addext "$san"
