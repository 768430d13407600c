// A shared library that is not a Hub plugin: it exports no descriptor.
extern "C" __attribute__((visibility("default"))) int not_a_hub_plugin() { return 42; }
