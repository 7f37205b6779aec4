// merge/Merge.cpp (todo)
