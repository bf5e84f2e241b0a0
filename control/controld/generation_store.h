// Every generation controld accepted, on disk, kept apart as running and
// startup configuration are on a router:
//   state_dir/generations/<N>.img   the compiled image of generation N with
//                                   controld's record and the policy model
//   state_dir/live     -> generations/<N>.img   what the dataplane runs (and boots from)
//   state_dir/previous -> generations/<M>.img   what `policy rollback` restores
// An image is written (WritePolicyImageFile: fsync, rename, fsync of the
// directory) to ImagePath before it is pushed; the pointers move (symlink to a temporary name, rename) only once
// the dataplane took it. Files are created with O_EXCL|O_NOFOLLOW in a
// directory only controld writes, and pointers are read as names, never
// followed blindly: a pointer whose target is not generations/<digits>.img
// is ignored.
#ifndef SPAMWALL_CONTROL_CONTROLD_GENERATION_STORE_H_
#define SPAMWALL_CONTROL_CONTROLD_GENERATION_STORE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace spamwall::controld {

class GenerationStore {
 public:
  explicit GenerationStore(std::string state_dir) : dir_(std::move(state_dir)) {}

  // Creates state_dir/generations (0750) when missing.
  bool Open(std::string* error);

  std::string ImagePath(uint64_t gen) const;
  std::string PointerPath(const char* name) const { return dir_ + "/" + name; }

  // Points `name` ("live", "previous") at generation `gen` (0: removes it).
  bool Point(const char* name, uint64_t gen, std::string* error);
  // The generation `name` points at, when it is a well-formed pointer.
  std::optional<uint64_t> Pointer(const char* name) const;
  void Remove(uint64_t gen);
  // The generations on disk, ascending.
  std::vector<uint64_t> List() const;
  // Removes every image but `keep` and the `newest` newest (controld's
  // keep_generations: what `policy rollback --to N` can restore, bounded so
  // months of pushes do not fill the disk).
  void Prune(const std::set<uint64_t>& keep, size_t newest);

 private:
  std::string dir_;
};

}  // namespace spamwall::controld

#endif  // SPAMWALL_CONTROL_CONTROLD_GENERATION_STORE_H_
