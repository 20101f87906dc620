// Everything in losses/ in one include: distances, reducers, miners and every loss family.
// Each header says which paper and which formula it implements.
#pragma once
#include "losses/alignment_uniformity.h"
#include "losses/barlow_twins.h"
#include "losses/contrastive.h"
#include "losses/distance.h"
#include "losses/lifted_structure.h"
#include "losses/miners.h"
#include "losses/moco.h"
#include "losses/multi_similarity.h"
#include "losses/negative_cosine.h"
#include "losses/npair.h"
#include "losses/nt_xent.h"
#include "losses/reducer.h"
#include "losses/similarity_heads.h"
#include "losses/supcon.h"
#include "losses/triplet.h"
#include "losses/vicreg.h"
