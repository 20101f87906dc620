// Errors: every misuse throws a typed exception whose text names the op and the values.
// CT_CHECK is always on (it is not assert); apps catch ct::Error at main and print one line.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace ct {

struct Error : std::runtime_error { using std::runtime_error::runtime_error; };
struct ShapeError : Error { using Error::Error; };   // wrong shapes or arguments of an op
struct IoError : Error { using Error::Error; };      // missing, truncated or corrupted files
struct ValueError : Error { using Error::Error; };   // bad values: a flag, a probability, a NaN

}  // namespace ct

// CT_CHECK(cond, "op: what" << values) throws ct::ShapeError with the streamed message.
#define CT_THROW(Type, msg)                                   \
    do {                                                      \
        std::ostringstream ct_msg_;                           \
        ct_msg_ << msg;                                       \
        throw Type(ct_msg_.str());                            \
    } while (0)

#define CT_CHECK(cond, msg)                                   \
    do {                                                      \
        if (!(cond)) CT_THROW(::ct::ShapeError, msg);         \
    } while (0)

#define CT_CHECK_AS(Type, cond, msg)                          \
    do {                                                      \
        if (!(cond)) CT_THROW(Type, msg);                     \
    } while (0)
