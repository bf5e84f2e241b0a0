#include "dataplane/app/generation_image.h"

#include "dataplane/signatures/serialize.h"

namespace spamwall {

namespace {

std::optional<LoadedPolicyImage> WithSignatures(std::optional<LoadedPolicyImage> img, std::string* error) {
  if (img && !LoadGenerationSignatures(img->policy.get(), error)) return std::nullopt;
  return img;
}

}  // namespace

bool LoadGenerationSignatures(CompiledPolicy* policy, std::string* error) {
  if (policy->signature_db.empty() || policy->signatures) return true;
  std::string why;
  std::unique_ptr<signatures::Database> db = signatures::DeserializeDatabase(policy->signature_db, why);
  if (!db) {
    *error = "policy image: signatures section: " + why;
    return false;
  }
  policy->signatures = std::move(db);
  return true;
}

std::optional<LoadedPolicyImage> LoadGenerationImageFd(int fd, std::string* error) {
  return WithSignatures(LoadPolicyImageFd(fd, error), error);
}

std::optional<LoadedPolicyImage> LoadGenerationImageFile(const std::string& path, std::string* error) {
  return WithSignatures(LoadPolicyImageFile(path, error), error);
}

}  // namespace spamwall
