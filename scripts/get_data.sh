#!/usr/bin/env bash
# Fetch the datasets contrast reads (data/resolve.h finds them by name) into ./data, or
# $CONTRAST_DATA, or --data-dir DIR. Official archives are downloaded when the network allows;
# --from DIR takes them from a local folder instead (e.g. ../shared/data, whose README describes
# the MNIST IDX .gz files, the CIFAR-10 JPEG tar and the STS Benchmark's TSV files).
# `make data DATA_ARGS='--from ../shared/data'`.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: scripts/get_data.sh [--from DIR] [--data-dir DIR] [DATASET ...]
  DATASET   mnist, fashion-mnist, cifar10, cifar100, stsb (default: mnist cifar10 stsb)
  --from    a folder of archives to use instead of downloading:
              DIR/mnist/*-ubyte.gz, DIR/fashion-mnist/*-ubyte.gz, DIR/cifar10-jpg.tar.gz or
              DIR/cifar-10-binary.tar.gz, DIR/cifar-100-binary.tar.gz,
              DIR/stsb/{train,dev,test}.tsv (checked against their SHA-256 sums)
  --data-dir where the data lands (default: $CONTRAST_DATA, else ./data)
The embedded sample (data/sample/mnist) needs no download.
USAGE
}

FROM=""
DATA="${CONTRAST_DATA:-./data}"
SETS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --from) FROM="${2:?--from needs a folder}"; shift 2 ;;
        --data-dir) DATA="${2:?--data-dir needs a folder}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        mnist|fashion-mnist|cifar10|cifar100|stsb) SETS+=("$1"); shift ;;
        *) echo "get_data: unknown argument '$1'" >&2; usage >&2; exit 1 ;;
    esac
done
DEFAULT_SETS=""
[ ${#SETS[@]} -gt 0 ] || { SETS=(mnist cifar10 stsb); DEFAULT_SETS=1; }
mkdir -p "$DATA"

fail() { echo "get_data: $*" >&2; exit 1; }

# download URL FILE: curl or wget, failing clearly when there is no network.
download() {
    echo "  downloading $1"
    if command -v curl >/dev/null; then
        curl -fsSL --connect-timeout 15 --retry 2 -o "$2.part" "$1" || { rm -f "$2.part"; return 1; }
    elif command -v wget >/dev/null; then
        wget -q -T 15 -O "$2.part" "$1" || { rm -f "$2.part"; return 1; }
    else
        return 1
    fi
    mv "$2.part" "$2"
}

no_network() {
    fail "cannot download $1 (no network?). Put the archives in a folder and run
  scripts/get_data.sh --from DIR $2   (e.g. --from ../shared/data)"
}

# The four IDX files of an MNIST-format dataset into $DATA/NAME, from --from or the mirrors.
idx_set() {
    local name="$1"; shift
    local dest="$DATA/$name"
    mkdir -p "$dest"
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        [ -s "$dest/$f.gz" ] && continue
        if [ -n "$FROM" ] && [ -f "$FROM/$name/$f.gz" ]; then
            cp "$FROM/$name/$f.gz" "$dest/$f.gz"
            continue
        fi
        local ok=""
        for mirror in "$@"; do
            if download "$mirror/$f.gz" "$dest/$f.gz"; then ok=1; break; fi
        done
        [ -n "$ok" ] || no_network "$name/$f.gz" "$name"
    done
    # Every file must decompress (catches a truncated copy now rather than at training time).
    for f in "$dest"/*.gz; do gzip -t "$f" || fail "$f is not a valid gzip file; delete it and run again"; done
    echo "$name: $dest"
}

# A CIFAR binary archive (official release) unpacked into $DATA/NAME.
cifar_binary() {
    local name="$1" archive="$2" url="$3"
    local dest="$DATA/$name"
    mkdir -p "$dest" "$DATA/downloads"
    local src="$DATA/downloads/$archive"
    if [ -n "$FROM" ] && [ -f "$FROM/$archive" ]; then
        src="$FROM/$archive"
    elif [ ! -s "$src" ]; then
        download "$url" "$src" || return 1
    fi
    tar -xzf "$src" -C "$dest"
    echo "$name: $dest"
}

# The STS Benchmark (sentence pairs, data/stsb.h) into $DATA/stsb: only from --from, as the files
# of shared/data/stsb/README.md (a cleaned copy with known SHA-256 sums; no official single archive).
stsb_set() {
    local dest="$DATA/stsb"
    if [ -n "$DEFAULT_SETS" ] && { [ -z "$FROM" ] || [ ! -f "$FROM/stsb/train.tsv" ]; }; then
        echo "stsb: skipped (needs --from DIR with DIR/stsb/train.tsv, e.g. --from ../shared/data)"
        return 0
    fi
    [ -n "$FROM" ] && [ -f "$FROM/stsb/train.tsv" ] ||
        fail "stsb: needs --from DIR with DIR/stsb/{train,dev,test}.tsv (e.g. --from ../shared/data)"
    mkdir -p "$dest"
    for f in train.tsv dev.tsv test.tsv README.md LICENSE.txt; do
        [ -f "$FROM/stsb/$f" ] && cp "$FROM/stsb/$f" "$dest/$f"
    done
    ( cd "$dest" && sha256sum -c --quiet <<'SUMS'
d46b45477888dd90b914ef6cf502bd8f4b27d52c792b6e54baec729705a14441  train.tsv
9847c811e123501874b7296eb2780c2e6864f19c51342590cc9db7abefe9840e  dev.tsv
9d449376d11bd3e1d319c0327dc0c42c1fc0c7491f3f84d4c591765c122233cf  test.tsv
SUMS
    ) || fail "stsb: the files in $dest do not match the SHA-256 sums of shared/data/stsb/README.md"
    echo "stsb: $dest"
}

for set in "${SETS[@]}"; do
    case "$set" in
        mnist)
            idx_set mnist https://ossci-datasets.s3.amazonaws.com/mnist http://yann.lecun.com/exdb/mnist ;;
        fashion-mnist)
            if [ -z "$FROM" ] && [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
                echo "fashion-mnist: /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist; found there directly)"
            else
                idx_set fashion-mnist http://fashion-mnist.s3-website.eu-central-1.amazonaws.com
            fi ;;
        cifar10)
            if [ -n "$FROM" ] && [ -f "$FROM/cifar10-jpg.tar.gz" ]; then
                # The JPEG image folder: cifar10-jpg/{train,test}/<class>/NNNN.jpg
                tar -xzf "$FROM/cifar10-jpg.tar.gz" -C "$DATA"
                echo "cifar10: $DATA/cifar10-jpg (JPEG image folder)"
            else
                cifar_binary cifar10 cifar-10-binary.tar.gz https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz ||
                    no_network cifar-10-binary.tar.gz cifar10
            fi ;;
        stsb)
            stsb_set ;;
        cifar100)
            cifar_binary cifar100 cifar-100-binary.tar.gz https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz ||
                no_network cifar-100-binary.tar.gz cifar100 ;;
    esac
done
