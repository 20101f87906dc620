// Everything in losses/ in one include: distances, reducers, miners and every loss family.
// Each header says which paper and which formula it implements.
#pragma once
#include "losses/alignment_uniformity.h"
#include "losses/contrastive.h"
#include "losses/distance.h"
#include "losses/lifted_structure.h"
#include "losses/margin_softmax.h"
#include "losses/miners.h"
#include "losses/multi_similarity.h"
#include "losses/npair.h"
#include "losses/nt_xent.h"
#include "losses/proxies.h"
#include "losses/proxy_anchor.h"
#include "losses/proxy_nca.h"
#include "losses/reducer.h"
#include "losses/similarity_heads.h"
#include "losses/supcon.h"
#include "losses/triplet.h"
