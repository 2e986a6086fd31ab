"""GraphQL documents the e2e tests send, written as a client would write them."""

REGISTER = """
mutation($name: String!, $email: String!) {
  registerUser(input: {name: $name, email: $email}) {
    __typename
    ... on UserRegistered { id version consistencyToken }
    ... on Error { message }
    ... on InvalidInput { fieldErrors { field message } }
  }
}"""

CHANGE_EMAIL = """
mutation($id: ID!, $email: String!, $expectedVersion: Int) {
  changeUserEmail(input: {id: $id, email: $email, expectedVersion: $expectedVersion}) {
    __typename
    ... on UserEmailChanged { id version consistencyToken }
    ... on Error { message }
    ... on VersionConflict { expectedVersion actualVersion }
  }
}"""

DEACTIVATE = """
mutation($id: ID!) {
  deactivateUser(input: {id: $id}) {
    __typename
    ... on UserDeactivated { version consistencyToken }
    ... on Error { message }
  }
}"""

RENAME = """
mutation($id: ID!, $name: String!) {
  renameUser(input: {id: $id, name: $name}) {
    __typename
    ... on UserRenamed { version consistencyToken }
    ... on Error { message }
  }
}"""

USER = """
query($id: ID!, $token: String) {
  user(id: $id, consistency: $token) { id version name email status }
}"""

USERS = """
query($search: String, $token: String) {
  users(search: $search, consistency: $token) {
    totalCount edges { node { id email } }
  }
}"""

ADD_PRODUCT = """
mutation($sku: String!, $name: String!, $description: String!, $category: String!,
         $price: Decimal!, $stock: Int!) {
  addProduct(input: {sku: $sku, name: $name, description: $description,
                     category: $category, price: $price, stock: $stock}) {
    __typename
    ... on ProductAdded { id version consistencyToken }
    ... on Error { message }
    ... on InvalidInput { fieldErrors { field message } }
  }
}"""

RESTOCK = """
mutation($id: ID!, $quantity: Int!) {
  restockProduct(input: {id: $id, quantity: $quantity}) {
    __typename
    ... on ProductRestocked { version consistencyToken }
    ... on Error { message }
    ... on InvalidInput { fieldErrors { field message } }
  }
}"""

DISCONTINUE = """
mutation($id: ID!) {
  discontinueProduct(input: {id: $id}) {
    __typename
    ... on ProductDiscontinued { version consistencyToken }
    ... on Error { message }
  }
}"""

PRODUCT = """
query($id: ID!, $token: String) {
  product(id: $id, consistency: $token) { id version sku name price stock inStock status }
}"""

PRODUCTS = """
query($search: String, $category: String, $minPrice: Decimal, $maxPrice: Decimal,
      $inStock: Boolean, $sort: ProductSort, $first: Int!, $after: String, $token: String) {
  products(search: $search, category: $category, minPrice: $minPrice, maxPrice: $maxPrice,
           inStock: $inStock, sort: $sort, first: $first, after: $after, consistency: $token) {
    totalCount
    edges { cursor node { id sku name price stock category } }
    pageInfo { hasNextPage endCursor }
    facets { category { value count } }
  }
}"""

PLACE_ORDER = """
mutation($userId: ID!, $lines: [OrderLineInput!]!) {
  placeOrder(input: {userId: $userId, lines: $lines}) {
    __typename
    ... on OrderPlaced { id version consistencyToken total }
    ... on Error { message }
    ... on InsufficientStock { productId requested available }
    ... on InvalidInput { fieldErrors { field message } }
  }
}"""

CANCEL_ORDER = """
mutation($id: ID!) {
  cancelOrder(input: {id: $id}) {
    __typename
    ... on OrderCancelled { id version consistencyToken }
    ... on Error { message }
  }
}"""

ORDER = """
query($id: ID!, $token: String) {
  order(id: $id, consistency: $token) {
    id version status total units
    customer { id name email user { orderCount totalSpent } }
    lines { sku name category unitPrice quantity lineTotal }
  }
}"""

ORDERS = """
query($search: String, $userId: ID, $status: OrderStatus, $token: String) {
  orders(search: $search, userId: $userId, status: $status, consistency: $token, first: 50) {
    totalCount edges { node { id status total customer { email } } }
    facets { status { value count } }
  }
}"""

SALES = """
query($from: Date!, $to: Date!, $interval: SalesInterval!, $groupBy: SalesGroupBy!,
      $token: String) {
  salesSummary(from: $from, to: $to, interval: $interval, groupBy: $groupBy,
               consistency: $token) {
    start revenue orders units groups { key revenue orders units }
  }
}"""

BEST_SELLERS = """
query($token: String) {
  products(sort: BEST_SELLING, first: 10, consistency: $token) {
    edges { node { sku sold stock } }
    facets { priceRange { min max count } }
  }
}"""
