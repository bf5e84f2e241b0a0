// Holds the precompiled header every test target reuses (spamwall_test in
// the top CMakeLists.txt); nothing to compile of its own.
