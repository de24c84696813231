#include "error.hpp"

namespace dln {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::Type: return "ERR_DLN_TYPE";
    case ErrorCode::Shape: return "ERR_DLN_SHAPE";
    case ErrorCode::Value: return "ERR_DLN_VALUE";
    case ErrorCode::Memory: return "ERR_DLN_MEMORY";
    case ErrorCode::Cancelled: return "ERR_DLN_CANCELLED";
    case ErrorCode::Internal: return "ERR_DLN_INTERNAL";
  }
  return "ERR_DLN_INTERNAL";
}

void fail(ErrorCode code, const std::string& field, const std::string& message) { throw Error(code, field, message); }

}  // namespace dln
