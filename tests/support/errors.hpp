// What a call that must fail says.
#pragma once

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace feedd::test {

// The message of the std::runtime_error that f throws; when f returns, a test failure and "".
template <class F>
std::string runtime_error_of(F&& f) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected a std::runtime_error; the call returned";
    return {};
}

}  // namespace feedd::test
