// refresh/Refresh.cpp: see Refresh.h.
#include "refresh/Refresh.h"
