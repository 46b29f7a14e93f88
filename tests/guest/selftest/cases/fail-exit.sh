# Harness self-test: an unchecked failing command fails the case (set -e).
false
echo "not reached"
