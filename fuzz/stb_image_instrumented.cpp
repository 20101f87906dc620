// stb_image compiled from Debian's own header (libstb-dev) into the fuzz build, so that its decoders
// carry the sanitizers and coverage; the shared libstb the normal build links is uninstrumented,
// and the fuzzer would see none of the image decoding it drives. The harnesses link this object
// ahead of -lstb. Not vendored: the source is /usr/include/stb/stb_image.h.
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
