#include "ManualDescriptor.h"
HUB_TEST_DESCRIPTOR("bad_signature", HUB_SDK_ABI_MAJOR, HUB_SDK_ABI_MINOR,
                    "hub-abi=1 cc=gcc-99 cxx11abi=0 std=201703L debug poco=0 boost=0 ptr=4")
