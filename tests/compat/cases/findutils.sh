mkdir -p d/e/f; touch d/x.c d/e/y.c d/e/f/z.h; find d -name '*.c' | sort; find d -type d | sort
find d -type f -print0 | xargs -0 ls | sort; find d -type f | xargs -n1 -P2 basename | sort; find d -maxdepth 1 | sort; find d -empty | sort
