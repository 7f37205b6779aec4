// refresh/Refresh.h: the weekly profile-refresh job behind `pgoctl refresh`.
//
// The parts (window selection and weights, cross-build merge, the quality
// gate, the change note, the git branch) are files of their own in this
// folder; this header is the job's entry point.
#pragma once

namespace pgoctl::refresh {} // namespace pgoctl::refresh
