// hubd entry point.
#include "app/HubServer.h"

POCO_SERVER_MAIN(hub::core::HubServer)
