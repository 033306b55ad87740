# The checksum guests are checked against: the base image must never change.
(cd "$(dirname "$OYSTER_IMAGE_FILE")" && sha256sum "$(basename "$OYSTER_IMAGE_FILE")") > "$OYSTER_IMAGE_FILE.sha256"
cat "$OYSTER_IMAGE_FILE.sha256"
