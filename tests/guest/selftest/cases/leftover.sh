# Harness self-test: a background process left behind is killed and noted;
# the case itself passes.
sleep 1000 &
echo started
