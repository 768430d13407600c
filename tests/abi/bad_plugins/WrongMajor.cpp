#include "ManualDescriptor.h"
HUB_TEST_DESCRIPTOR("wrong_major", HUB_SDK_ABI_MAJOR + 1, 0, HUB_SDK_BUILD_SIGNATURE)
