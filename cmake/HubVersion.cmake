# Single source of Hub's version and the SDK ABI numbers (see sdk/ABI.md for the rules).
set(HUB_VERSION "0.1.0")
set(HUB_SDK_ABI_MAJOR 1)
set(HUB_SDK_ABI_MINOR 2)
set(HUB_SDK_VERSION "${HUB_SDK_ABI_MAJOR}.${HUB_SDK_ABI_MINOR}.0")
