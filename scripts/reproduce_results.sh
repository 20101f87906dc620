#!/usr/bin/env bash
# The result runs quoted in README.md, in order: triplet and Siamese on MNIST (D=64 and D=2) and
# SimCLR on CIFAR-10, each trained, evaluated and plotted into runs/<name>/ (logs in runs/<name>.log).
# Needs the full data in ./data: make data DATA_ARGS='--from ../shared/data'.
# Usage: scripts/reproduce_results.sh [mnist|simclr|simclr-2h|compare|proxy|all]   (default all)
#   simclr-2h: the two-hour SimCLR recipe (tau 0.2, batch 128, lr 0.06, crop scale 0.2-1, a
#              512-wide projector with BatchNorm, SIMCLR_2H_EPOCHS 50) as two data-parallel ranks
#              of one thread each under mpirun (not part of all)
#   compare: the self-supervised methods (SimCLR, MoCo v2, BYOL, SimSiam, Barlow Twins, VICReg) with
#            SupCon and cross-entropy as labelled references, on one encoder (E2 w=32) and budget
#            (COMPARE_EPOCHS, 3; COMPARE_THREADS, 2), and their bar chart runs/cifar10-methods-<N>ep.png
#   proxy: triplet semi-hard, ProxyAnchor (alpha 32, the paper's, and 16) and ArcFace on each of
#          PROXY_DATA ("mnist fashion-mnist"; Fashion-MNIST from Debian's dataset-fashion-mnist) with
#          the CLI's defaults, after each of PROXY_EPOCHS ("1 5") epochs, and their bar charts runs/proxy-<data>-<N>ep.png
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build/contrast >/dev/null
B=build/contrast
what=${1:-all}
LAUNCH=""   # what train runs under (mpirun for simclr-2h)

run() {
    local name=$1; shift
    echo "== $name: $LAUNCH contrast train $* (log: runs/$name.log)"
    mkdir -p runs
    /usr/bin/time -f "wall %e s" $LAUNCH $B train "$@" --out "runs/$name" --overwrite > "runs/$name.log" 2>&1
    $B eval "runs/$name" --checkpoint last >> "runs/$name.log" 2>&1
    $B plot "runs/$name" --checkpoint last >> "runs/$name.log" 2>&1
    grep -E "Precision@1|MAP@R|kNN|linear probe|wall" "runs/$name.log" | sed 's/^/   /'
}

if [ "$what" = mnist ] || [ "$what" = all ]; then
    # the reference recipe of spec/RESULTS.md for one epoch (no augmentation, constant lr), then
    # the default recipe (small affine augmentation, cosine schedule) for five
    run triplet-mnist-1epoch --method triplet --data mnist --no-augment --schedule constant --epochs 1
    run triplet-mnist --method triplet --data mnist --epochs 5
    run siamese-mnist --method siamese --data mnist --no-augment --epochs 5
    run siamese-mnist-d2 --method siamese --data mnist --no-augment --epochs 5 --embedding-dim 2
fi
if [ "$what" = simclr ] || [ "$what" = all ]; then
    run simclr-cifar10 --method simclr --data cifar10 --epochs "${SIMCLR_EPOCHS:-15}"
fi
if [ "$what" = simclr-2h ]; then
    # two 1-thread ranks ran 1.12x the images/s of one 2-thread process (626 against 558, paired, 75 s each)
    OMPI_MCA_plm_rsh_agent=false LAUNCH="mpirun --allow-run-as-root --bind-to none --mca btl self,vader -np 2" \
        run simclr-cifar10-2h --method simclr --data cifar10 --threads 1 --temperature 0.2 --batch-size 128 \
        --lr 0.06 --crop-scale 0.2 --projector-hidden 512 --projector-bn --epochs "${SIMCLR_2H_EPOCHS:-50}"
fi
if [ "$what" = compare ] || [ "$what" = all ]; then
    methods="simclr moco byol simsiam barlow vicreg supcon classifier"
    for method in $methods; do
        run "$method-cifar10-${COMPARE_EPOCHS:-3}ep" --method $method --data cifar10 --epochs "${COMPARE_EPOCHS:-3}" \
            --threads "${COMPARE_THREADS:-2}"
    done
    $B compare $(for m in $methods; do echo "runs/$m-cifar10-${COMPARE_EPOCHS:-3}ep"; done) \
        --names "SimCLR,MoCo v2,BYOL,SimSiam,Barlow Twins,VICReg,SupCon (labels),cross-entropy (labels)" \
        --metrics weighted_knn200_accuracy,linear_probe_accuracy \
        --title "CIFAR-10, E2 w=32, ${COMPARE_EPOCHS:-3} epochs: frozen encoder features" \
        --out "runs/cifar10-methods-${COMPARE_EPOCHS:-3}ep.png"
fi
if [ "$what" = proxy ] || [ "$what" = all ]; then
    for data in ${PROXY_DATA:-mnist fashion-mnist}; do
        for epochs in ${PROXY_EPOCHS:-1 5}; do
            run "triplet-${data}-${epochs}ep" --method triplet --data "$data" --epochs "$epochs"
            run "proxy-anchor-${data}-${epochs}ep" --method proxy --loss proxy-anchor --data "$data" --epochs "$epochs"
            run "proxy-anchor-a16-${data}-${epochs}ep" --method proxy --loss proxy-anchor --scale 16 --data "$data" \
                --epochs "$epochs"
            run "arcface-${data}-${epochs}ep" --method proxy --loss arcface --data "$data" --epochs "$epochs"
            $B compare runs/{triplet,proxy-anchor,proxy-anchor-a16,arcface}-${data}-${epochs}ep \
                --names "triplet semi-hard,proxy-anchor,proxy-anchor alpha 16,arcface" \
                --title "$data, E1 D=64, $epochs epoch(s): test queries against the training set" \
                --out "runs/proxy-${data}-${epochs}ep.png"
        done
    done
fi
